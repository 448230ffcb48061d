"""The engine settings, the migrations, and the models agreeing with them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.db import (
    Base,
    alembic_config,
    current_revision,
    import_models,
    make_engine,
    normalize_url,
    upgrade,
)
from intake.registry.models import CcerLot, Entity


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgresql_urls_use_psycopg(url: str, expected: str) -> None:
    assert normalize_url(url) == expected
    engine = make_engine(url)
    assert engine.dialect.driver == ("psycopg" if "postgres" in url else "pysqlite")
    engine.dispose()


def test_sqlite_connections_are_configured(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as connection:
        pragmas = [
            connection.scalar(text(f"PRAGMA {name}"))
            for name in ("foreign_keys", "journal_mode", "busy_timeout")
        ]
    engine.dispose()
    assert pragmas == [1, "wal", 10000]


def test_upgrade_creates_the_tables_once(engine: Engine) -> None:
    upgrade(engine)  # a second time: nothing to do

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(engine) == head
    assert head is not None
    assert int(head[:4]) >= 1
    tables = set(inspect(engine).get_table_names())
    assert {"entities", "allocations", "ccer_lots", "projects", "alembic_version"} <= tables


def test_models_match_the_migrations(engine: Engine) -> None:
    import_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    registry_tables = {"entities", "allocations", "ccer_lots", "projects", "lot_ledger"}
    # Tables of other modules may be ahead of this test's migrations; the registry's may not.
    assert [d for d in differences if registry_tables & set(str(d).split("'"))] == []


def _lot(**overrides: object) -> CcerLot:
    values: dict[str, object] = {
        "uscc": "91140105MAN619RM62",
        "project_number": "0010",
        "project_name": "",
        "project_type": "",
        "quantity_t": Decimal("1.5"),
        "status": "待抵销",
    }
    return CcerLot(**(values | overrides))


@pytest.mark.parametrize(
    "overrides",
    [{"status": "pending"}, {"quantity_t": Decimal(0)}, {"uscc": "91110000600037341L"}],
    ids=["status", "quantity", "foreign-key"],
)
def test_the_database_refuses_bad_lots(engine: Engine, overrides: dict[str, object]) -> None:
    with Session(engine) as session:
        session.add(
            Entity(
                uscc="91140105MAN619RM62",
                name="单位",
                province="山西省",
                ccer_account_id="",
                ets_account_id="",
                accounts_bound=True,
            )
        )
        session.commit()
        session.add(_lot(**overrides))
        with pytest.raises(IntegrityError):
            session.commit()


def test_a_lot_round_trips_exactly(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(
            Entity(
                uscc="91140105MAN619RM62",
                name="单位",
                province="山西省",
                ccer_account_id="",
                ets_account_id="",
                accounts_bound=False,
            )
        )
        session.flush()
        parent = _lot(quantity_t=Decimal("99999999999.9999"))
        session.add(parent)
        session.flush()
        session.add(_lot(quantity_t=Decimal("100000.0000"), parent_id=parent.id))
        session.commit()
    with Session(engine) as session:
        lots = session.query(CcerLot).order_by(CcerLot.id).all()
        assert [str(lot.quantity_t) for lot in lots] == ["99999999999.9999", "100000"]
        assert lots[1].parent_id == lots[0].id
        assert isinstance(lots[0].updated_at, dt.datetime)
