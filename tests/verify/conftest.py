"""Fixtures of the verifier tests: a small in-memory registry and a clean application."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from intake.application import Application, CcerRow, Declaration, Report
from intake.registry.memory import Lot, MemoryRegistry
from intake.verify import verify
from intake.verify.protocol import EntityRecord, ProjectRecord

D = Decimal
USCC = "91110000600037341L"  # the fixture's entity
UNBOUND_USCC = "91440300MA5F000007"  # a known entity whose accounts are not bound
STRANGER_USCC = "91110000MA0000001L"  # valid, but no such entity

MakeApplication = Callable[..., Application]
Run = Callable[..., Report]


def build_registry() -> MemoryRegistry:
    """One bound entity with pending lots, one unbound entity, a small catalogue."""
    return MemoryRegistry.of(
        entities=[
            EntityRecord(
                USCC, "华能示例发电有限公司", "广东省", "C1234567890", "123456789012", True
            ),
            EntityRecord(
                UNBOUND_USCC, "深圳示例热电有限公司", "广东省", "C5550001111", "555000111122", False
            ),
        ],
        allocations=[
            (USCC, 2021, D("1250000")),
            (USCC, 2022, D("1300000")),
            (UNBOUND_USCC, 2021, D("1250000")),
        ],
        lots=[
            Lot(USCC, "CCER-1052-2016", D("40000")),
            Lot(USCC, "0127", D("20000")),
            Lot(USCC, "0127", D("10000")),
            Lot(USCC, "386", D("50000"), "已抵销"),
            Lot(USCC, "777", D("9000")),
            Lot(UNBOUND_USCC, "CCER-1052-2016", D("5000")),
        ],
        projects=[
            ProjectRecord("CCER-1052-2016", "内蒙古示例风电项目", "风电", "内蒙古自治区", True),
            ProjectRecord("0127", "云南示例水电站项目", "水电", "云南省", True),
            ProjectRecord("386", "河北示例风电项目", "风电", "河北省", True),
            ProjectRecord("777", "示例碳汇项目", "林业碳汇", "广西壮族自治区", False, "备案已撤销"),
        ],
    )


def build_application(**overrides: Any) -> Application:
    """A clean 2021 application of the fixture entity; ``declaration__x`` sets a 声明 blank."""
    declaration = Declaration(
        province="广东省", offset_t=D("62000"), ratio_pct=D("4.96"), year=2021
    )
    declared = {
        k.removeprefix("declaration__"): v
        for k, v in overrides.items()
        if k.startswith("declaration__")
    }
    rows = overrides.pop("ccer_rows", [(D("40000"), "CCER-1052-2016"), (D("22000"), "0127")])
    app = Application(
        year=2021,
        entity_name="华能示例发电有限公司",
        uscc=USCC,
        ccer_account_id="C1234567890",
        ets_account_id="123456789012",
        due_allowance_t=D("1250000"),
        offset_requested_t=D("62000"),
        offset_ratio_pct=D("4.96"),
        contact_name="张三",
        contact_phone="13812345678",
        contact_email="zhangsan@example.com",
        ccer_rows=[CcerRow(q, n) for q, n in rows],
        declaration=dataclasses.replace(declaration, **declared),
        signed_date=dt.date(2023, 11, 20),
        stamp_present=True,
        source_kind="scan",
    )
    plain = {k: v for k, v in overrides.items() if not k.startswith("declaration__")}
    return dataclasses.replace(app, **plain)


@pytest.fixture(scope="session")
def registry() -> MemoryRegistry:
    """The small registry the clean application matches."""
    return build_registry()


@pytest.fixture(scope="session")
def make_application() -> MakeApplication:
    """The factory of clean applications, ``make_application(**overrides)``."""
    return build_application


@pytest.fixture(scope="session")
def run(registry: MemoryRegistry) -> Run:
    """Verify a clean application with overrides; ``run(**overrides) -> Report``."""

    def check(**overrides: Any) -> Report:
        app = build_application(**overrides)
        return Report(None, app, verify(app, registry))

    return check
