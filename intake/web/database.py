"""The database session of a request, the upload store and the typed settings, per app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from intake import clock
from intake.config import Settings
from intake.db import make_engine, session_factory, upgrade
from intake.storage import Storage

UPLOADS_FOLDER = "uploads"


def init_app(app: Flask) -> None:
    """Open the engine (migrating the schema when configured) and close sessions after requests."""
    settings = app.config["INTAKE_SETTINGS"]
    engine = make_engine(
        settings.resolved_database_url, execution_options=clock.engine_options(settings)
    )
    if app.config.get("MIGRATE_ON_START", True):
        upgrade(engine)
    app.extensions["intake.engine"] = engine
    app.extensions["intake.sessions"] = session_factory(engine)
    app.extensions["intake.storage"] = Storage(Path(app.instance_path) / UPLOADS_FOLDER)
    app.teardown_appcontext(_close_session)


def db() -> Session:
    """The session of the current request (opened on first use, closed at teardown)."""
    if "intake_session" not in g:
        g.intake_session = sessions(current_app)()
    session: Session = g.intake_session
    return session


def sessions(app: Flask) -> sessionmaker[Session]:
    """The app's session factory (for work outside a request, such as jobs)."""
    factory: sessionmaker[Session] = app.extensions["intake.sessions"]
    return factory


def engine(app: Flask) -> Engine:
    """The app's engine."""
    value: Engine = app.extensions["intake.engine"]
    return value


def storage(app: Flask | None = None) -> Storage:
    """The upload store of the app (the current one by default)."""
    value: Storage = (app or current_app).extensions["intake.storage"]
    return value


def settings(app: Flask | None = None) -> Settings:
    """The typed settings of the app (the current one by default)."""
    value: Settings = (app or current_app).config["INTAKE_SETTINGS"]
    return value


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("intake_session", None)
    if session is not None:
        session.close()
