"""intake: reads and checks CCER offset application forms; ``create_app()`` builds the web app."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask stays out of the import graph of the plain-Python layers.
    from flask import Flask

SECRET_KEY_FILE = "secret_key"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The web app: defaults, then instance/config.py, then INTAKE_* variables, then test_config."""
    from flask import Flask

    from intake.config import ENVIRONMENT_NAMES, PREFIX, Settings, load_settings
    from intake.web import register_blueprints
    from intake.web.resources import resource_dir

    test_config = dict(test_config or {})
    defaults = Settings(**_instance_override(test_config))
    app = Flask(
        __name__,
        instance_path=str(Path(defaults.instance_path).resolve()),
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.config.update({name.upper(): value for name, value in defaults.as_config().items()})
    app.config.update(JOB_RUNNER="thread", MIGRATE_ON_START=True, WTF_CSRF_TIME_LIMIT=None)
    app.config.from_pyfile("config.py", silent=True)
    environment = load_settings().as_config()
    for name, value in environment.items():
        if os.environ.get(PREFIX + ENVIRONMENT_NAMES.get(name, name.upper())) not in (None, ""):
            app.config[name.upper()] = value
    if os.environ.get(PREFIX + "JOB_RUNNER"):
        app.config["JOB_RUNNER"] = os.environ[PREFIX + "JOB_RUNNER"]
    app.config.update(test_config)
    app.config["INSTANCE_PATH"] = Path(app.instance_path)
    app.config["SESSION_COOKIE_SECURE"] = _cookie_secure(app.testing, test_config)
    if not app.config.get("MAX_CONTENT_LENGTH"):
        app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.config["INTAKE_SETTINGS"] = Settings(
        **{name: app.config[name.upper()] for name in defaults.as_config()}
    )
    register_blueprints(app)
    return app


def _cookie_secure(testing: bool, test_config: Mapping[str, Any]) -> bool:
    """Session cookies travel over HTTPS only, unless under test or INTAKE_COOKIE_SECURE=0
    (for a plain-HTTP local run such as the demo)."""
    from intake.config import PREFIX

    if "SESSION_COOKIE_SECURE" in test_config:
        return bool(test_config["SESSION_COOKIE_SECURE"])
    raw = os.environ.get(PREFIX + "COOKIE_SECURE", "").strip().lower()
    if raw:
        return raw not in ("0", "false", "no", "off")
    return not testing


def _instance_override(test_config: Mapping[str, Any]) -> dict[str, Any]:
    """The instance folder must be known before Flask is built; a test may choose it."""
    if test_config.get("INSTANCE_PATH"):
        return {"instance_path": Path(test_config["INSTANCE_PATH"])}
    return {}


def _instance_secret(instance: Path) -> str:
    """The secret key kept in the instance folder, generated on first run."""
    path = instance / SECRET_KEY_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(key)
    return key
