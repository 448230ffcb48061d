"""Users, submissions and their versions.

Revision ID: 0002
Revises: 0001
Create Date: 2024-01-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the users, submissions and versions tables."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=True),
        sa.Column("province", sa.String(50), nullable=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("api_token_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('enterprise', 'province', 'ministry', 'admin')",
            name=op.f("ck_users_role_known"),
        ),
        sa.CheckConstraint(
            "role <> 'enterprise' OR uscc IS NOT NULL", name=op.f("ck_users_enterprise_has_uscc")
        ),
        sa.CheckConstraint(
            "role <> 'province' OR province IS NOT NULL",
            name=op.f("ck_users_province_has_province"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        sa.UniqueConstraint("api_token_hash", name=op.f("uq_users_api_token_hash")),
    )
    op.create_index("ix_users_uscc", "users", ["uscc"])
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('draft', 'submitted', 'approved', 'rejected')",
            name=op.f("ck_submissions_state_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    )
    op.create_index("ix_submissions_uscc", "submissions", ["uscc"])
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=True),
        sa.Column("original_filename", sa.String(255), nullable=True),
        sa.Column("application_json", sa.JSON(), nullable=True),
        sa.Column("report_json", sa.JSON(), nullable=True),
        sa.Column("check_state", sa.String(16), nullable=False),
        sa.Column("check_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "check_state IN ('pending', 'running', 'done', 'failed')",
            name=op.f("ck_versions_check_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_versions_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_versions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint(
            "submission_id", "number", name=op.f("uq_versions_submission_id_number")
        ),
    )
    op.create_index("ix_versions_submission_id", "versions", ["submission_id"])


def downgrade() -> None:
    """Drop the users, submissions and versions tables."""
    op.drop_index("ix_versions_submission_id", table_name="versions")
    op.drop_table("versions")
    op.drop_index("ix_submissions_uscc", table_name="submissions")
    op.drop_table("submissions")
    op.drop_index("ix_users_uscc", table_name="users")
    op.drop_table("users")
