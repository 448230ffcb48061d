"""Fixtures for the rendering tests: clean applications and reading files back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from intake.application import Application
from intake.parsers import parse

DATA = Path(__file__).parent.parent / "data" / "render"


def load_application(name: str) -> Application:
    """A clean application from tests/data/render (values of the sample corpus)."""
    return Application.from_json(json.loads((DATA / f"{name}.json").read_text("utf-8")))


@pytest.fixture
def load() -> Callable[[str], Application]:
    """Load a clean application by sample name (v01: 2021, v04: 2022)."""
    return load_application


@pytest.fixture
def app_2021() -> Application:
    """A clean 2021 application with three CCER rows."""
    return load_application("v01")


@pytest.fixture
def app_2022() -> Application:
    """A clean 2022 application with three CCER rows."""
    return load_application("v04")


@pytest.fixture
def read_back(tmp_path: Path) -> Callable[[bytes, str], dict[str, Any]]:
    """Write rendered bytes to a file and parse it with the project's own parser."""

    def read(data: bytes, suffix: str) -> dict[str, Any]:
        path = tmp_path / f"form{suffix}"
        path.write_bytes(data)
        return parse(path).to_json()

    return read
