"""Small registry exports written as the four CSV files, and what the database holds of lots."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.registry.models import CcerLot

USCC = "91140105MAN619RM62"  # 山西省
OTHER_USCC = "91650102MAYH3HKT17"  # 新疆维吾尔自治区
BINGTUAN_USCC = "91659001MAXFAT9L36"  # 新疆生产建设兵团

ENTITIES = {
    USCC: "大唐太原发电有限责任公司,山西省,C5436984476,303707502349,true",
    OTHER_USCC: "国家能源集团克拉玛依电力有限公司,新疆维吾尔自治区,C3004194665,664598884086,true",
    BINGTUAN_USCC: "兵团双河热电有限公司,新疆生产建设兵团,C5597805237,364917028972,true",
}
ALLOCATIONS = [f"{USCC},2021,507742", f"{USCC},2022,483603", f"{OTHER_USCC},2021,1483451"]
PROJECTS = [
    "2075,云南曲靖水电站项目,水电,云南省,true,",
    "2639,甘肃环县风电场一期,风电,甘肃省,true,",
    "777,示例碳汇项目,林业碳汇,云南省,false,",
]
# The lots of the review tests' registry (tests/review/review_factories.py), in file order.
LOTS = [
    (USCC, "2075", "10000", "待抵销"),
    (USCC, "2075", "5000", "待抵销"),
    (USCC, "2639", "8000", "待抵销"),
    (USCC, "1488", "3000", "已抵销"),
    (OTHER_USCC, "2075", "4000", "待抵销"),
]

Lot = tuple[str, str, str, str]
Holding = tuple[str, str, str, str, bool]


def write_export(
    directory: Path, lots: list[Lot] = LOTS, entities: dict[str, str] | None = None
) -> Path:
    """The four registry files in ``directory`` (created), holding these lots (uscc, project, t, status)."""
    directory.mkdir(parents=True, exist_ok=True)
    chosen = ENTITIES if entities is None else entities
    files = {
        "entities.csv": (
            "uscc,name,province,ccer_account_id,ets_account_id,accounts_bound",
            [f"{uscc},{rest}" for uscc, rest in chosen.items()],
        ),
        "allocations.csv": (
            "uscc,year,due_allowance_t",
            [row for row in ALLOCATIONS if row[:18] in chosen],
        ),
        "pending_ccer.csv": (
            "uscc,project_number,project_name,project_type,quantity_t,status",
            [f"{uscc},{project},,,{quantity},{status}" for uscc, project, quantity, status in lots],
        ),
        "projects.csv": (
            "project_number,project_name,project_type,province,eligible,note",
            PROJECTS,
        ),
    }
    for name, (header, rows) in files.items():
        (directory / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return directory


def holdings(session: Session) -> list[Holding]:
    """Every lot as (uscc, project, quantity, status, split off another lot), sorted."""
    session.expire_all()
    query = select(
        CcerLot.uscc,
        CcerLot.project_number,
        CcerLot.quantity_t,
        CcerLot.status,
        CcerLot.parent_id,
    )
    return sorted(
        (uscc, project, format(quantity, "f"), status, parent is not None)
        for uscc, project, quantity, status, parent in session.execute(query)
    )


def totals(lots: list[Holding] | list[Lot]) -> dict[tuple[str, str], Decimal]:
    """(uscc, project) -> the quantity over every status."""
    found: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for lot in lots:
        found[lot[0], lot[1]] += Decimal(lot[2])
    return dict(found)


def by_status(lots: list[Holding]) -> dict[tuple[str, str, str], Decimal]:
    """(uscc, project, status) -> quantity."""
    found: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for uscc, project, quantity, status, _ in lots:
        found[uscc, project, status] += Decimal(quantity)
    return dict(found)
