"""The batch check of every unit's applications (both years) against the national registry.

    .venv/bin/python -m bench.batch [--scale 1] [--backends sqlite,postgresql] [--pg URL]

For each database: the registry export is loaded, every application is stored as a
live (submitted) submission, then the whole cycle is checked again with
``intake.batch.check_batch`` (each application excluding itself from the claims).
Prints the time of the load, of the batch at two sizes and the number of SQL
statements each issued (counted with a ``before_cursor_execute`` listener), and,
as the reference, the per-application path (``SqlRegistry``, one query per question).
PostgreSQL runs in a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.common import OUT, machine, ms, table, timed, verdict
from bench.generate import ensure, read_applications
from bench.submissions import store_submitted
from intake.application import Application
from intake.batch import check_batch
from intake.checking import Checker, Claims
from intake.config import Settings
from intake.db import make_engine, upgrade
from intake.registry.loader import load_registry

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_S = 10.0
REFERENCE_SAMPLE = 200


class StatementCounter:
    """Counts the SQL statements an engine sends while it is attached."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    @contextmanager
    def counting(self) -> Iterator[StatementCounter]:
        """Count from zero for the duration of the block."""
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._seen)
        try:
            yield self
        finally:
            event.remove(self.engine, "before_cursor_execute", self._seen)


@contextmanager
def database(backend: str, pg_url: str, work: Path) -> Iterator[Engine]:
    """A migrated, empty database: an SQLite file, or a PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        work.mkdir(parents=True, exist_ok=True)
        path = work / "batch.sqlite3"
        path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    admin = make_engine(pg_url)
    schema = f"bench_{secrets.token_hex(4)}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_batch(engine: Engine, apps: list[Application], ids: list[int]) -> tuple[float, int, int]:
    """Seconds, statements and applications with errors of one batch check."""
    counter = StatementCounter(engine)
    reports: list[Any] = []
    with Session(engine) as session, counter.counting():

        def work() -> None:
            reports.extend(check_batch(session, apps, exclude=ids))

        seconds = timed(work)
    return seconds, counter.count, sum(1 for r in reports if not r.ok)


def run_reference(engine: Engine, apps: list[Application], ids: list[int]) -> tuple[float, float]:
    """Seconds and statements per application on the one-query-per-question path."""
    counter = StatementCounter(engine)
    sample = list(zip(apps, ids, strict=True))[:REFERENCE_SAMPLE]
    with Session(engine) as session, counter.counting():
        checker = Checker.for_session(session, Settings(), claims=Claims.LIVE)

        def work() -> None:
            for app, i in sample:
                checker.check(app, exclude_submission=i)

        seconds = timed(work)
    return seconds / len(sample), counter.count / len(sample)


def bench_backend(
    backend: str, pg_url: str, directory: Path, apps: list[Application]
) -> list[list[object]]:
    """The rows of one database: load, two batch sizes, the per-application reference."""
    rows: list[list[object]] = []
    with database(backend, pg_url, OUT) as engine:
        load_s = timed(lambda: load_registry(engine, directory))
        rows.append([backend, "registry load (CSV → tables)", "", f"{load_s:.2f} s", "", ""])
        ids = store_submitted(engine, apps)
        tenth = max(1, len(apps) // 10)
        for size in (tenth, len(apps)):
            seconds, statements, failed = run_batch(engine, apps[:size], ids[:size])
            note = verdict(seconds, TARGET_S) if size == len(apps) else ""
            rows.append(
                [
                    backend,
                    f"batch check, {size} applications ({failed} with errors)",
                    statements,
                    f"{seconds:.2f} s",
                    ms(seconds / size),
                    note,
                ]
            )
        per_app, statements_each = run_reference(engine, apps, ids)
        rows.append(
            [
                backend,
                "reference: SqlRegistry, one application at a time",
                f"{statements_each:.1f} per application",
                f"{per_app * len(apps):.2f} s (est.)",
                ms(per_app),
                "",
            ]
        )
    return rows


def main() -> None:
    """Run the batch benchmark on each database and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg", default=PG_URL)
    parser.add_argument(
        "--data", type=Path, default=None, help="Generated data (default: bench/out)."
    )
    args = parser.parse_args()
    directory = ensure(args.scale, args.seed, forms=False, out=args.data)
    apps = read_applications(directory)
    rows: list[list[object]] = []
    for backend in args.backends.split(","):
        rows.extend(bench_backend(backend.strip(), args.pg, directory, apps))
    print(machine())
    print(f"## Batch check: {len(apps)} applications, registry of scale {args.scale:g}\n")
    header = ["database", "what", "SQL statements", "time", "per application", "target < 10 s"]
    print(table(header, rows))


if __name__ == "__main__":
    main()
