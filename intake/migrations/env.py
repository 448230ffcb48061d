"""Alembic environment: runs on the connection ``intake.db.upgrade`` passes, or on a URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from intake.db import Base, import_models, make_engine

import_models()
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get(
        "INTAKE_DATABASE_URL", ""
    )
    if not url:
        raise RuntimeError("no database URL: set sqlalchemy.url or INTAKE_DATABASE_URL")
    return url


def run() -> None:
    """Migrate the given connection, or open one from the configured URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if context.is_offline_mode():
        context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


run()
