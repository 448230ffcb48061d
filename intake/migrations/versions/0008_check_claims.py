"""Claims on the automatic check of a version, so that a check that runs twice records once.

``versions`` gains who holds the check (a random token), when the claim was taken,
when its holder last showed it was alive, and how many times the check was claimed.
A version left ``running`` by a process that stopped has no sign of life and may be
claimed again.

Revision ID: 0008
Revises: 0007
Create Date: 2024-01-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the claim columns."""
    op.add_column("versions", sa.Column("check_claim", sa.String(32), nullable=True))
    op.add_column(
        "versions", sa.Column("check_started_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "versions", sa.Column("check_alive_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "versions",
        sa.Column("check_attempts", sa.Integer(), nullable=False, server_default="0"),
    )
    # The resume sweep looks for unfinished checks; most versions are done.
    op.create_index("ix_versions_check_state", "versions", ["check_state"])


def downgrade() -> None:
    """Drop the claim columns."""
    op.drop_index("ix_versions_check_state", table_name="versions")
    with op.batch_alter_table("versions", recreate="never") as batch:
        for name in ("check_attempts", "check_alive_at", "check_started_at", "check_claim"):
            batch.drop_column(name)
