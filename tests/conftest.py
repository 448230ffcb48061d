"""The suite's root: the shared fixtures, the hypothesis profile, and the order of the run.

Fixtures and helpers shared by several test modules live in ``tests/fixtures`` and are
loaded here; a test module imports helpers from that package only.

Under pytest-xdist (``-n 2``, as ``scripts/test`` runs it) the slow tests are handed
out first, so that no long test starts last while the other worker is idle.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from _pytest.nodeid import coerce_node_id
from hypothesis import settings
from werkzeug.security import generate_password_hash

from intake.accounts import operations as accounts
from intake.parsers import ocrengine

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.web",
    "tests.fixtures.review",
    "tests.fixtures.registry",
    "tests.fixtures.verify",
    "tests.fixtures.render",
    "tests.fixtures.hostile",
]

# Every property test draws the same examples on every machine and every run: a failure
# seen once is seen again, and what a run covers does not depend on the machine's speed.
settings.register_profile("suite", derandomize=True, database=None, print_blob=True)
settings.load_profile("suite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With several workers, the slow tests first (otherwise in the order collected), and
    the tests of one ``xdist_group`` on one worker."""
    if getattr(config.option, "numprocesses", None):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if getattr(config.option, "loadgroup", False):
        for item in items:
            groups = sorted(
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            )
            if groups and "@" not in item.nodeid:
                # pytest-xdist 3.8 puts the group into the node id through ``item._nodeid``,
                # which pytest 9 no longer reads: without this the groups are ignored.
                item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(groups)}")


# Programs whose start makes a test slow: LibreOffice, and the browser (Playwright's driver).
SLOW_PROGRAMS = {"soffice", "libreoffice", "soffice.bin", "chromium", "chrome"}


@pytest.fixture(autouse=True)
def slow_work_is_marked(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """A test not marked ``slow`` that runs OCR, LibreOffice or a browser fails, saying what
    it ran: the quick run (``-m "not slow"``) stays quick."""
    if request.node.get_closest_marker("slow") is not None:
        yield
        return
    seen: list[str] = []

    def refuse(what: str) -> NoReturn:
        seen.append(what)
        pytest.fail(f"{request.node.nodeid} runs {what}: mark it @pytest.mark.slow", pytrace=False)

    def no_ocr() -> NoReturn:
        refuse("OCR")

    class Popen(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            program = Path(
                os.fsdecode(args if isinstance(args, str | bytes | os.PathLike) else args[0])
            )
            if program.name in SLOW_PROGRAMS or "playwright" in program.parts:
                refuse(str(program))
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(ocrengine, "_engine", no_ocr)
    monkeypatch.setattr(subprocess, "Popen", Popen)
    yield
    if seen:  # also when it happened in another thread, whose failure went unseen
        refuse(", ".join(seen))


# The production hash (werkzeug's scrypt default) costs a quarter of a second or more per
# password on a test machine, for every demo user created and every login. Tests hash with
# one PBKDF2 round instead; tests marked ``production_hash`` run with the production hash.
TEST_HASH_METHOD = "pbkdf2:sha256:1"
PRODUCTION_DUMMY_HASH = accounts._DUMMY_HASH


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hash() -> Iterator[None]:
    """Passwords hashed for tests cost next to nothing (stored hashes name their method,
    so checking them is cheap too)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            accounts,
            "generate_password_hash",
            functools.partial(generate_password_hash, method=TEST_HASH_METHOD),
        )
        patch.setattr(accounts, "_DUMMY_HASH", generate_password_hash("x", TEST_HASH_METHOD))
        yield


@pytest.fixture(autouse=True)
def production_hash(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test marked ``production_hash`` hashes as production does."""
    if request.node.get_closest_marker("production_hash") is not None:
        monkeypatch.setattr(accounts, "generate_password_hash", generate_password_hash)
        monkeypatch.setattr(accounts, "_DUMMY_HASH", PRODUCTION_DUMMY_HASH)
