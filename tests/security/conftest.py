"""Fixtures of the security tests: the web fixtures, hostile files built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security import hostile
from tests.web.conftest import app, app_config, client, db_session  # noqa: F401  (fixtures)


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for generated hostile files, shared by the session."""
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="session")
def deflate_bomb(hostile_dir: Path) -> Path:
    """A one-page PDF whose content stream inflates to 1 GB (built once: it takes seconds)."""
    return hostile.pdf_deflate_bomb(hostile_dir)
