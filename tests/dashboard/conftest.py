"""Fixtures of the dashboard tests: the demo with its applications in every state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from intake import create_app
from intake.demo import DEMO_TODAY, load_demo


@pytest.fixture
def demo_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on the demo registry, users and applications, on the demo's today."""
    config: dict[str, Any] = {
        "TESTING": True,
        "DATABASE_URL": db_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        "JOB_RUNNER": "sync",
        "SECRET_KEY": "test-secret",
        "TODAY": DEMO_TODAY,
    }
    app = create_app(config)
    load_demo(app, applications=True)
    yield app
    app.extensions["intake.engine"].dispose()
