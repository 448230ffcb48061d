"""Index the lots by unit, project and status: what the ministry's over-claim check looks up.

Revision ID: 0005
Revises: 0004
Create Date: 2024-01-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the index."""
    op.create_index(
        "ix_ccer_lots_uscc_project_status", "ccer_lots", ["uscc", "project_number", "status"]
    )


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_ccer_lots_uscc_project_status", table_name="ccer_lots")
