"""The lot ledger: append-only, and applied again by every registry load (or refusing it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from intake.backup import backup, restore
from intake.cli import main
from intake.db import make_engine
from intake.registry.ledger import LedgerEntry, LedgerEntryImmutable, MovementKind
from intake.registry.loader import LoadProblem, RegistryLoadError, load_registry
from intake.storage import Storage
from tests.fixtures.exports import (
    BINGTUAN_USCC,
    ENTITIES,
    LOTS,
    USCC,
    holdings,
    write_export,
)
from tests.fixtures.registry import Dump

D = Decimal
RECALL_DATE = dt.date(2024, 1, 22)


def registered(project: str, quantity: str, total_after: str) -> LedgerEntry:
    """A registration's entry for the entity USCC (ids are not checked by the loader)."""
    return LedgerEntry(
        kind=MovementKind.REGISTRATION.value,
        uscc=USCC,
        project_number=project,
        status="已抵销",
        quantity_t=D(quantity),
        total_after_t=D(total_after),
        decision_id=1,
        registration_id=1,
        cancellation_id=1,
    )


def recalled(project: str, quantity: str, total_after: str) -> LedgerEntry:
    """A recall's entry for the entity USCC."""
    return LedgerEntry(
        kind=MovementKind.RECALL.value,
        uscc=USCC,
        project_number=project,
        status="已召回",
        quantity_t=D(quantity),
        total_after_t=D(total_after),
        recall_date=RECALL_DATE,
    )


def with_ledger(session: Session, export: Path, *entries: LedgerEntry) -> None:
    """The export loaded, then the entries written (as if registered and recalled since)."""
    load_registry(session, export)
    session.add_all(entries)
    session.commit()


def ledger_count(session: Session) -> int:
    """The number of ledger entries."""
    return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def test_the_orm_refuses_to_change_or_delete_an_entry(session: Session, tmp_path: Path) -> None:
    with_ledger(session, write_export(tmp_path / "export"), registered("2075", "12000", "12000"))
    entry = session.scalars(select(LedgerEntry)).one()
    entry.quantity_t = D(1)
    with pytest.raises(LedgerEntryImmutable):
        session.flush()
    session.rollback()
    session.delete(entry)
    with pytest.raises(LedgerEntryImmutable):
        session.flush()
    session.rollback()
    assert session.scalars(select(LedgerEntry.quantity_t)).one() == D(12000)


def test_the_database_refuses_to_change_or_delete_an_entry(
    session: Session, tmp_path: Path
) -> None:
    with_ledger(session, write_export(tmp_path / "export"), registered("2075", "12000", "12000"))
    for statement in ("UPDATE lot_ledger SET quantity_t = 1", "DELETE FROM lot_ledger"):
        with pytest.raises(DatabaseError):
            session.execute(text(statement))
        session.rollback()
    assert session.scalars(select(LedgerEntry.quantity_t)).one() == D(12000)


def test_a_load_carves_the_movements_out_of_the_exports_pending_lots(
    session: Session, tmp_path: Path
) -> None:
    export = write_export(tmp_path / "export")
    with_ledger(
        session, export, registered("2075", "12000", "12000"), recalled("2075", "3000", "3000")
    )
    summary = load_registry(session, export)
    session.commit()
    assert [h for h in holdings(session) if h[:2] == (USCC, "2075")] == [
        (USCC, "2075", "10000", "已抵销", False),  # used whole
        (USCC, "2075", "2000", "已抵销", True),  # split off the 5000 lot
        (USCC, "2075", "3000", "已召回", False),  # what the 5000 lot kept, recalled
    ]
    assert (summary.lots, summary.pending_lots, summary.pending_t) == (6, 2, D(12000))
    load_registry(session, export)  # again: the same
    session.commit()
    assert [h for h in holdings(session) if h[:2] == (USCC, "2075")][1][2:] == (
        "2000",
        "已抵销",
        True,
    )
    assert ledger_count(session) == 2


@pytest.mark.parametrize(
    ("shown", "pending_2075"),
    [
        # The registry already shows both 12000 t registered (10000 + 2000) and 3000 t recalled.
        (
            [("2075", "10000", "已抵销"), ("2075", "2000", "已抵销"), ("2075", "3000", "已召回")],
            "0",
        ),
        # It shows the registration but not the recall: only the recall is carved.
        ([("2075", "12000", "已抵销"), ("2075", "3000", "待抵销")], "0"),
        # It shows 5000 t offset elsewhere, short of the 12000 t total: both are carved.
        ([("2075", "5000", "已抵销"), ("2075", "15000", "待抵销")], "0"),
        # More pending arrived since: what was not moved stays pending.
        (
            [("2075", "12000", "已抵销"), ("2075", "3000", "已召回"), ("2075", "700", "待抵销")],
            "700",
        ),
    ],
    ids=["both-shown", "registration-shown", "offsets-below-total", "new-pending"],
)
def test_movements_the_export_already_shows_are_not_applied_twice(
    session: Session, tmp_path: Path, shown: list[tuple[str, str, str]], pending_2075: str
) -> None:
    with_ledger(
        session,
        write_export(tmp_path / "first"),
        registered("2075", "12000", "12000"),
        recalled("2075", "3000", "3000"),
    )
    lots = [lot for lot in LOTS if lot[:2] != (USCC, "2075")]
    lots += [(USCC, project, quantity, status) for project, quantity, status in shown]
    load_registry(session, write_export(tmp_path / "second", lots))
    session.commit()
    held: dict[str, D] = {"待抵销": D(0), "已抵销": D(0), "已召回": D(0)}
    for uscc, project, quantity, status, _ in holdings(session):
        if (uscc, project) == (USCC, "2075"):
            held[status] += D(quantity)
    total = sum((D(q) for _, q, _ in shown), D(0))
    assert held["待抵销"] == D(pending_2075)
    assert held["已抵销"] >= D(12000)
    assert held["已召回"] >= D(3000)
    assert sum(held.values(), D(0)) == total


@pytest.mark.parametrize(
    ("lots", "entities", "expected"),
    [
        (
            [
                *[lot for lot in LOTS if lot[1] != "2075" or lot[0] != USCC],
                (USCC, "2075", "9000", "待抵销"),
            ],
            None,
            LoadProblem(
                "pending_ccer.csv",
                5,
                f"统一社会信用代码 {USCC} 的项目 2075：本系统已登记抵销 12000 吨、已召回 3000 吨，"
                "导出尚未反映，但导出的待抵销仅 9000 吨，与本系统的登记记录矛盾",
            ),
        ),
        (
            [lot for lot in LOTS if lot[1] != "2075" or lot[0] != USCC],
            None,
            LoadProblem(
                "pending_ccer.csv",
                None,
                f"统一社会信用代码 {USCC} 的项目 2075：本系统已登记抵销 12000 吨、已召回 3000 吨，"
                "本次导出中却没有该单位的这个项目，与本系统的登记记录矛盾",
            ),
        ),
        (
            [lot for lot in LOTS if lot[0] != USCC],
            {uscc: rest for uscc, rest in ENTITIES.items() if uscc != USCC},
            LoadProblem(
                "entities.csv",
                None,
                f"统一社会信用代码 {USCC} 的项目 2075：本系统已登记抵销 12000 吨、已召回 3000 吨，"
                "本次导出中却没有该单位，与本系统的登记记录矛盾",
            ),
        ),
    ],
    ids=["less-pending", "project-gone", "entity-gone"],
)
def test_an_export_contradicting_the_ledger_is_refused_and_changes_nothing(
    engine: Engine,
    tmp_path: Path,
    dump_tables: Callable[[Engine], Dump],
    lots: list[tuple[str, str, str, str]],
    entities: dict[str, str] | None,
    expected: LoadProblem,
) -> None:
    with Session(engine) as session:
        with_ledger(
            session,
            write_export(tmp_path / "first"),
            registered("2075", "12000", "12000"),
            recalled("2075", "3000", "3000"),
        )
    before = dump_tables(engine)
    with pytest.raises(RegistryLoadError) as raised:
        load_registry(engine, write_export(tmp_path / "second", lots, entities))
    assert raised.value.problems == [expected]
    assert "未导入任何数据" in str(raised.value)
    assert dump_tables(engine) == before
    with Session(engine) as session:
        assert ledger_count(session) == 2


def test_an_entity_without_movements_may_leave_the_export(session: Session, tmp_path: Path) -> None:
    with_ledger(session, write_export(tmp_path / "first"), registered("2075", "12000", "12000"))
    entities = {uscc: rest for uscc, rest in ENTITIES.items() if uscc != BINGTUAN_USCC}
    load_registry(session, write_export(tmp_path / "second", LOTS, entities))
    session.commit()
    assert {h[0] for h in holdings(session)} == {USCC, LOTS[-1][0]}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_command_line_names_the_contradiction_and_loads_nothing(
    db_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    first = write_export(tmp_path / "first")
    assert runner.invoke(main, ["registry", "load", str(first), "--db", db_url]).exit_code == 0
    engine = make_engine(db_url)
    with Session(engine) as session:
        session.add(registered("2639", "3000", "3000"))
        session.commit()
        before = holdings(session)
    gone = write_export(tmp_path / "second", [lot for lot in LOTS if lot[1] != "2639"])
    result = runner.invoke(main, ["registry", "load", str(gone), "--db", db_url])
    assert result.exit_code == 1
    assert f"pending_ccer.csv：统一社会信用代码 {USCC} 的项目 2639" in result.output
    assert "数据库未作任何修改" in result.output
    with Session(engine) as session:
        assert holdings(session) == before
    engine.dispose()


def test_the_ledger_survives_backup_and_restore(
    session: Session, engine: Engine, tmp_path: Path
) -> None:
    with_ledger(
        session,
        write_export(tmp_path / "export"),
        registered("2075", "12000", "12000"),
        recalled("2075", "3000", "3000"),
    )
    archive = tmp_path / "backup.tar.gz"
    manifest = backup(engine, Storage(tmp_path / "uploads"), archive)
    assert manifest["tables"]["lot_ledger"] == 2
    target = make_engine(f"sqlite:///{tmp_path / 'restored.sqlite3'}")
    try:
        restore(target, Storage(tmp_path / "restored-uploads"), archive)
        with Session(target) as restored:
            rows = restored.execute(
                select(LedgerEntry.kind, LedgerEntry.quantity_t, LedgerEntry.recall_date)
            ).all()
            assert sorted(rows) == [("recall", 3000, RECALL_DATE), ("registration", 12000, None)]
            with pytest.raises(DatabaseError):  # still append-only
                restored.execute(text("DELETE FROM lot_ledger"))
    finally:
        target.dispose()
