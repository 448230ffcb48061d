"""The sample corpus: the verifier gives exactly the reference codes for every readable sample."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from intake.application import Application
from intake.registry.memory import MemoryRegistry
from intake.verify import verify
from tests.fixtures.data import EXPECTED, SAMPLE_REGISTRY

SAMPLES = sorted(EXPECTED.glob("*.json"))
READABLE = [p for p in SAMPLES if json.loads(p.read_text(encoding="utf-8"))["application"]]
SOURCE_KIND = {"docx": "docx", "docx-lo": "docx", "pdf-digital": "pdf", "pdf-scan": "scan"}


@pytest.fixture(scope="module")
def sample_registry() -> MemoryRegistry:
    """The registry the samples were written against."""
    return MemoryRegistry.from_csv_dir(SAMPLE_REGISTRY)


def test_the_corpus_is_all_there() -> None:
    assert len(SAMPLES) == 14
    assert len(READABLE) == 11


@pytest.mark.parametrize("path", READABLE, ids=[p.stem for p in READABLE])
def test_sample_codes(path: Path, sample_registry: MemoryRegistry) -> None:
    expected: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    app = Application.from_json(expected["application"])
    app.source_kind = SOURCE_KIND[expected["category"]]
    problems = verify(app, sample_registry)
    assert Counter(p.code for p in problems) == Counter(expected["codes"]), expected["notes"]
