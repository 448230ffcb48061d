"""SqlRegistry and the preloaded MemoryRegistry answer the verifier's questions alike, from the sample."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from intake.registry.loader import load_registry
from intake.registry.lookup import SqlRegistry, preload
from intake.registry.memory import Claim
from intake.verify.protocol import EntityRecord, ProjectRecord, Registry

ALICE = "91140105MAN619RM62"
UNBOUND = "91650202189907772A"


@pytest.fixture(params=["sql", "preloaded"])
def registry(request: pytest.FixtureRequest, sample_engine: Engine) -> Iterator[Registry]:
    """The sample registry, read per question or preloaded."""
    with Session(sample_engine) as session:
        sql = SqlRegistry(session)
        yield sql if request.param == "sql" else preload(session)


def test_entity(registry: Registry) -> None:
    assert registry.entity(ALICE) == EntityRecord(
        uscc=ALICE,
        name="大唐太原发电有限责任公司",
        province="山西省",
        ccer_account_id="C5436984476",
        ets_account_id="303707502349",
        accounts_bound=True,
    )
    unbound = registry.entity(UNBOUND)
    assert unbound is not None
    assert unbound.accounts_bound is False
    assert registry.entity("91110000600037341L") is None
    assert registry.entity(ALICE.lower()) is None


def test_due_allowance(registry: Registry) -> None:
    assert registry.due_allowance(ALICE, 2021) == Decimal("507742")
    assert str(registry.due_allowance(ALICE, 2022)) == "483603"
    assert registry.due_allowance(ALICE, 2023) is None
    assert registry.due_allowance("91110000600037341L", 2021) is None


def test_pending_sums_only_pending_lots(registry: Registry) -> None:
    pending = registry.pending(ALICE)

    # 1488 and 180 are already offset (已抵销).
    assert pending == {"2075": Decimal("216159"), "2639": Decimal("97056")}
    assert [str(q) for q in pending.values()] == ["216159", "97056"]
    assert registry.pending("91150702MA08JYG535") == {}  # its only lot was recalled
    assert registry.pending("91110000600037341L") == {}


def test_project_keeps_leading_zeros(registry: Registry) -> None:
    assert registry.project("0010") == ProjectRecord(
        project_number="0010",
        project_name="宁夏盐池10MW光伏发电项目",
        project_type="光伏发电",
        province="宁夏回族自治区",
        eligible=True,
        note="",
    )
    assert registry.project("10") is None
    ineligible = registry.project("2099")
    assert ineligible is not None
    assert (ineligible.eligible, ineligible.note) == (False, "来自纳入全国碳市场配额管理的减排项目")


def test_claimed_elsewhere_is_empty_without_claims(registry: Registry) -> None:
    assert registry.claimed_elsewhere(ALICE) == {}
    assert registry.claimed_elsewhere(ALICE, exclude=3) == {}


def test_claims_are_asked_with_the_excluded_submission(sample_engine: Engine) -> None:
    asked: list[tuple[str, int | None]] = []

    def claims(uscc: str, exclude: int | None) -> dict[str, Decimal]:
        asked.append((uscc, exclude))
        return {"2075": Decimal("100")}

    with Session(sample_engine) as session:
        sql = SqlRegistry(session, claims=claims)
        assert sql.claimed_elsewhere(ALICE, exclude=7) == {"2075": Decimal("100")}
    assert asked == [(ALICE, 7)]


def test_preloaded_claims_leave_out_the_excluded_submission(sample_engine: Engine) -> None:
    given = [Claim(7, ALICE, "2075", Decimal("100")), Claim(8, ALICE, "2075", Decimal("1"))]
    with Session(sample_engine) as session:
        registry = preload(session, claims=given)
    assert registry.claimed_elsewhere(ALICE, exclude=7) == {"2075": Decimal("1")}
    assert registry.claimed_elsewhere(ALICE) == {"2075": Decimal("101")}


def test_quantities_format_plainly(engine: Engine, registry_dir: Path) -> None:
    with (registry_dir / "pending_ccer.csv").open("a", encoding="utf-8") as handle:
        for quantity in ("100000", "0.5", "1000.2500", "99999999999.9999"):
            handle.write(f"{ALICE},5555,项目,风电,{quantity},待抵销\n")
    load_registry(engine, registry_dir)

    with Session(engine) as session:
        sql = SqlRegistry(session)
        for registry in (sql, preload(session)):
            total = registry.pending(ALICE)["5555"]
            assert str(total) == "100000101000.7499"


def test_preload_reads_each_table_once(sample_engine: Engine) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(sample_engine, "before_cursor_execute", count)
    try:
        with Session(sample_engine) as session:
            registry = preload(session)
            registry.entity(ALICE)
            registry.pending(ALICE)
    finally:
        event.remove(sample_engine, "before_cursor_execute", count)

    assert len(statements) == 4
    assert len(registry.entities) == 25
    assert len(registry.projects) == 40


def test_preload_of_some_units(sample_engine: Engine) -> None:
    with Session(sample_engine) as session:
        registry = preload(session, [ALICE, "91110000600037341L"])

    assert set(registry.entities) == {ALICE}
    assert set(registry.allocations) == {(ALICE, 2021), (ALICE, 2022)}
    assert {lot.uscc for lot in registry.lots} == {ALICE}
    assert registry.entity(UNBOUND) is None
    assert len(registry.projects) == 40
