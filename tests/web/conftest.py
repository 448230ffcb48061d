"""Fixtures of the web tests: an app on a migrated database with the demo registry and users."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from intake import create_app
from intake.demo import DEMO_PASSWORD, load_demo
from intake.web.database import sessions

SAMPLES = Path("/work/shared/samples")
FORMS = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "forms"


def samples_forms() -> Path:
    """The sample forms folder (beside the repository, or at /work/shared)."""
    return FORMS if FORMS.is_dir() else SAMPLES / "forms"


@pytest.fixture
def app_config(db_url: str, tmp_path: Path) -> dict[str, Any]:
    """The test configuration: CSRF off (one test turns it on), checks run in the request."""
    return {
        "TESTING": True,
        "DATABASE_URL": db_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        "JOB_RUNNER": "sync",
        "SECRET_KEY": "test-secret",
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """The app with the demo registry and demo users."""
    app = create_app(app_config)
    load_demo(app)
    yield app
    app.extensions["intake.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session on the app's database."""
    with sessions(app)() as session:
        yield session


def login(client: FlaskClient, username: str = "demo-enterprise") -> None:
    """Log the client in as a demo user."""
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.text


def upload_copy(client: FlaskClient, submission_id: int) -> None:
    """Upload, as the stamped copy of the latest online version, its own filled form (.docx).

    A Word file shows no seal, so the copy is read and matches but reports STAMP_MISSING.
    """
    page = client.get(f"/applications/{submission_id}")
    number = re.search(r"/v/(\d+)", page.headers["Location"])
    assert number is not None
    form = client.get(f"/applications/{submission_id}/v/{number.group(1)}/form.docx")
    assert form.status_code == 200
    response = client.post(
        f"/applications/{submission_id}/copy",
        data={"file": (io.BytesIO(form.data), "盖章件.docx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text


def csrf_token(html: str) -> str:
    """The CSRF token of the first form of a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)
