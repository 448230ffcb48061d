"""Review records: decisions, notes, registrations, cancellations, verifications, audit, notices.

Decisions, registrations, cancellations and audit entries are append-only, and a
review note cannot change once sent with a decision: triggers refuse UPDATE and
DELETE on PostgreSQL and SQLite alike.

Revision ID: 0003
Revises: 0002
Create Date: 2024-01-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUANTITY = sa.Numeric(20, 4)
WHEN = sa.DateTime(timezone=True)
APPEND_ONLY = ("decisions", "registrations", "cancellations", "audit_entries")


def upgrade() -> None:
    """Create the review tables and the triggers that keep records as written."""
    _decisions()
    _registrations()
    _verifications_audit_notices()
    _create_triggers()


def _decisions() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", WHEN, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('approved', 'rejected')", name=op.f("ck_decisions_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_decisions_submission_id_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_decisions_version_id_versions")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_decisions_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index("ix_decisions_submission_id", "decisions", ["submission_id"])
    op.create_table(
        "review_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("field", sa.String(100), nullable=True),
        sa.Column("code", sa.String(40), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.CheckConstraint("kind IN ('note', 'override')", name=op.f("ck_review_notes_kind_known")),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_review_notes_submission_id_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_review_notes_version_id_versions")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_review_notes_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_review_notes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_notes")),
    )
    op.create_index("ix_review_notes_submission_id", "review_notes", ["submission_id"])


def _registrations() -> None:
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("entity_name", sa.String(200), nullable=False),
        sa.Column("province", sa.String(50), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("total_t", QUANTITY, nullable=False),
        sa.Column("registered_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_registrations_submission_id_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_registrations_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_registrations_submission_id")),
    )
    op.create_index("ix_registrations_uscc", "registrations", ["uscc"])
    op.create_index("ix_registrations_province", "registrations", ["province"])
    op.create_table(
        "cancellations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("project_number", sa.String(64), nullable=False),
        sa.Column("project_name", sa.String(300), nullable=False),
        sa.Column("quantity_t", QUANTITY, nullable=False),
        sa.Column("lots", sa.JSON(), nullable=False),
        sa.CheckConstraint("quantity_t > 0", name=op.f("ck_cancellations_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_cancellations_registration_id_registrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellations")),
    )
    op.create_index("ix_cancellations_registration_id", "cancellations", ["registration_id"])
    op.create_index("ix_cancellations_project_number", "cancellations", ["project_number"])


def _verifications_audit_notices() -> None:
    op.create_table(
        "project_verifications",
        sa.Column("project_number", sa.String(64), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("verified_by_name", sa.String(200), nullable=False),
        sa.Column("verified_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["verified_by"],
            ["users.id"],
            name=op.f("fk_project_verifications_verified_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("project_number", name=op.f("pk_project_verifications")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.create_index("ix_audit_entries_action", "audit_entries", ["action"])
    op.create_index("ix_audit_entries_submission_id", "audit_entries", ["submission_id"])
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("email_to", sa.String(254), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("read_at", WHEN, nullable=True),
        sa.Column("mailed_at", WHEN, nullable=True),
        sa.Column("mail_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_notices_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    op.create_index("ix_notices_uscc_created_at", "notices", ["uscc", "created_at"])


def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION intake_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'rows of % are kept as written', TG_TABLE_NAME; END; $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION intake_refuse_change()"
            )
        op.execute(
            "CREATE TRIGGER review_notes_decided BEFORE UPDATE OR DELETE ON review_notes "
            "FOR EACH ROW WHEN (OLD.decision_id IS NOT NULL) "
            "EXECUTE FUNCTION intake_refuse_change()"
        )
        return
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'rows of {table} are kept as written'); END"
            )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER review_notes_decided_no_{verb.lower()} BEFORE {verb} ON review_notes "
            "WHEN OLD.decision_id IS NOT NULL "
            "BEGIN SELECT RAISE(ABORT, 'a note sent with a decision is kept as written'); END"
        )


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP TRIGGER IF EXISTS review_notes_decided ON review_notes")
        op.execute("DROP FUNCTION IF EXISTS intake_refuse_change()")
        return
    for table in (*APPEND_ONLY, "review_notes"):
        for verb in ("update", "delete"):
            name = (
                f"{table}_no_{verb}"
                if table != "review_notes"
                else f"review_notes_decided_no_{verb}"
            )
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def downgrade() -> None:
    """Drop the triggers and the review tables."""
    _drop_triggers()
    op.drop_index("ix_notices_uscc_created_at", table_name="notices")
    op.drop_table("notices")
    for index in (
        "ix_audit_entries_submission_id",
        "ix_audit_entries_action",
        "ix_audit_entries_at",
    ):
        op.drop_index(index, table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_table("project_verifications")
    op.drop_index("ix_cancellations_project_number", table_name="cancellations")
    op.drop_index("ix_cancellations_registration_id", table_name="cancellations")
    op.drop_table("cancellations")
    op.drop_index("ix_registrations_province", table_name="registrations")
    op.drop_index("ix_registrations_uscc", table_name="registrations")
    op.drop_table("registrations")
    op.drop_index("ix_review_notes_submission_id", table_name="review_notes")
    op.drop_table("review_notes")
    op.drop_index("ix_decisions_submission_id", table_name="decisions")
    op.drop_table("decisions")
