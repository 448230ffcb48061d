"""The application lifecycle: withdrawn and discarded states, the submitted version,
the stamped copy of an online application, and the version a registration records.

Revision ID: 0007
Revises: 0006
Create Date: 2024-01-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATES = "state IN ('draft', 'submitted', 'approved', 'rejected')"
NEW_STATES = "state IN ('draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'discarded')"


def upgrade() -> None:
    """Add the columns and widen the states; fill what existing rows imply."""
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("submitted_version", sa.Integer(), nullable=True))
        batch.drop_constraint(op.f("ck_submissions_state_known"), type_="check")
        batch.create_check_constraint(op.f("ck_submissions_state_known"), NEW_STATES)
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("copy_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("copy_filename", sa.String(255), nullable=True))
        batch.add_column(sa.Column("copy_application_json", sa.JSON(), nullable=True))
    # Added in place, not by rebuilding the table: the triggers that refuse to change a
    # registration must stay.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE registrations ADD COLUMN version_id INTEGER "
            "CONSTRAINT fk_registrations_version_id_versions REFERENCES versions (id)"
        )
    else:
        op.add_column("registrations", sa.Column("version_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_registrations_version_id_versions"),
            "registrations",
            "versions",
            ["version_id"],
            ["id"],
        )
    # Submitted, approved and rejected applications were decided on (or wait with) their
    # newest version; a registration records the version its decision was taken on.
    op.execute(
        "UPDATE submissions SET submitted_version = latest_version "
        "WHERE state IN ('submitted', 'approved', 'rejected')"
    )
    # Registrations refuse every change (triggers): lifted for this one fill, then restored.
    _without_update_trigger(
        "UPDATE registrations SET version_id = "
        "(SELECT version_id FROM decisions WHERE decisions.id = registrations.decision_id)"
    )


def _without_update_trigger(statement: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE registrations DISABLE TRIGGER registrations_append_only")
        op.execute(statement)
        op.execute("ALTER TABLE registrations ENABLE TRIGGER registrations_append_only")
        return
    op.execute("DROP TRIGGER registrations_no_update")
    op.execute(statement)
    op.execute(
        "CREATE TRIGGER registrations_no_update BEFORE UPDATE ON registrations "
        "BEGIN SELECT RAISE(ABORT, 'rows of registrations are kept as written'); END"
    )


def downgrade() -> None:
    """Drop the columns; withdrawn and discarded applications go back to draft."""
    op.execute("UPDATE submissions SET state = 'draft' WHERE state IN ('withdrawn', 'discarded')")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("fk_registrations_version_id_versions"), "registrations", type_="foreignkey"
        )
    op.drop_column("registrations", "version_id")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("copy_application_json")
        batch.drop_column("copy_filename")
        batch.drop_column("copy_sha256")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(op.f("ck_submissions_state_known"), type_="check")
        batch.create_check_constraint(op.f("ck_submissions_state_known"), OLD_STATES)
        batch.drop_column("submitted_version")
