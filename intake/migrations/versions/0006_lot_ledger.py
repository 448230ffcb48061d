"""The lot ledger: every quantity the service moved out of 待抵销, kept as written.

Triggers refuse UPDATE and DELETE of a ledger row on PostgreSQL and SQLite alike.

Revision ID: 0006
Revises: 0005
Create Date: 2024-01-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUANTITY = sa.Numeric(20, 4)
TABLE = "lot_ledger"


def upgrade() -> None:
    """Create the ledger table, its index and the triggers that keep its rows as written."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("project_number", sa.String(64), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("quantity_t", QUANTITY, nullable=False),
        sa.Column("total_after_t", QUANTITY, nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("cancellation_id", sa.Integer(), nullable=True),
        sa.Column("recall_date", sa.Date(), nullable=True),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'registration' AND status = '已抵销' AND decision_id IS NOT NULL"
            " AND registration_id IS NOT NULL AND cancellation_id IS NOT NULL)"
            " OR (kind = 'recall' AND status = '已召回' AND recall_date IS NOT NULL)",
            name=op.f("ck_lot_ledger_kind_complete"),
        ),
        sa.CheckConstraint("quantity_t > 0", name=op.f("ck_lot_ledger_quantity_positive")),
        sa.CheckConstraint(
            "total_after_t >= quantity_t", name=op.f("ck_lot_ledger_total_covers_quantity")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_ledger")),
    )
    op.create_index("ix_lot_ledger_uscc_project_number", TABLE, ["uscc", "project_number"])
    if op.get_bind().dialect.name == "postgresql":
        # intake_refuse_change() was created by revision 0003.
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION intake_refuse_change()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, 'rows of {TABLE} are kept as written'); END"
        )


def downgrade() -> None:
    """Drop the triggers, the index and the table."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{verb}")
    op.drop_index("ix_lot_ledger_uscc_project_number", table_name=TABLE)
    op.drop_table(TABLE)
