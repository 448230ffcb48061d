"""The web layer: blueprints with thin views; each area adds itself to BLUEPRINTS with one line."""

from __future__ import annotations

import importlib

from flask import Flask

# (module, blueprint attribute); registered in this order.
BLUEPRINTS: list[tuple[str, str]] = [
    ("intake.web.auth", "bp"),
    ("intake.web.account", "bp"),
    ("intake.web.enterprise", "bp"),
    ("intake.web.api", "bp"),
    ("intake.web.review", "bp"),
    ("intake.web.ministry", "bp"),
    ("intake.web.registrations", "bp"),
    ("intake.web.dashboard", "bp"),
    ("intake.web.help", "bp"),
    ("intake.web.letters", "bp"),
    ("intake.web.recall", "bp"),
]


def register_blueprints(app: Flask) -> None:
    """Set up the shared services, register every blueprint of BLUEPRINTS, then throttle
    the login and password views."""
    from intake.web import converters, database, errors, jobs, security, throttle

    converters.init_app(app)

    database.init_app(app)
    security.init_app(app)
    jobs.init_app(app)
    errors.init_app(app)
    for module, attribute in BLUEPRINTS:
        app.register_blueprint(getattr(importlib.import_module(module), attribute))
    throttle.init_app(app)
