"""Registry tables: entities, allocations, CCER lots, project catalogue.

Revision ID: 0001
Revises:
Create Date: 2024-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUANTITY = sa.Numeric(20, 4)


def upgrade() -> None:
    """Create the registry tables."""
    op.create_table(
        "entities",
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("province", sa.String(50), nullable=False),
        sa.Column("ccer_account_id", sa.String(64), nullable=False),
        sa.Column("ets_account_id", sa.String(64), nullable=False),
        sa.Column("accounts_bound", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("uscc", name=op.f("pk_entities")),
    )
    op.create_table(
        "allocations",
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("due_allowance_t", QUANTITY, nullable=False),
        sa.CheckConstraint(
            "due_allowance_t > 0", name=op.f("ck_allocations_due_allowance_positive")
        ),
        sa.ForeignKeyConstraint(
            ["uscc"], ["entities.uscc"], name=op.f("fk_allocations_uscc_entities")
        ),
        sa.PrimaryKeyConstraint("uscc", "year", name=op.f("pk_allocations")),
    )
    op.create_table(
        "ccer_lots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("project_number", sa.String(64), nullable=False),
        sa.Column("project_name", sa.String(300), nullable=False),
        sa.Column("project_type", sa.String(100), nullable=False),
        sa.Column("quantity_t", QUANTITY, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('待抵销', '已抵销', '已召回')", name=op.f("ck_ccer_lots_status_known")
        ),
        sa.CheckConstraint("quantity_t > 0", name=op.f("ck_ccer_lots_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["uscc"], ["entities.uscc"], name=op.f("fk_ccer_lots_uscc_entities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ccer_lots")),
    )
    op.create_index("ix_ccer_lots_uscc_status", "ccer_lots", ["uscc", "status"])
    op.create_index("ix_ccer_lots_project_number", "ccer_lots", ["project_number"])
    op.create_index("ix_ccer_lots_parent_id", "ccer_lots", ["parent_id"])
    op.create_table(
        "projects",
        sa.Column("project_number", sa.String(64), nullable=False),
        sa.Column("project_name", sa.String(300), nullable=False),
        sa.Column("project_type", sa.String(100), nullable=False),
        sa.Column("province", sa.String(50), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("project_number", name=op.f("pk_projects")),
    )


def downgrade() -> None:
    """Drop the registry tables."""
    op.drop_table("projects")
    op.drop_index("ix_ccer_lots_parent_id", table_name="ccer_lots")
    op.drop_index("ix_ccer_lots_project_number", table_name="ccer_lots")
    op.drop_index("ix_ccer_lots_uscc_status", table_name="ccer_lots")
    op.drop_table("ccer_lots")
    op.drop_table("allocations")
    op.drop_table("entities")
