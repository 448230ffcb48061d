"""What the queue shows, kept on each submission; the CCER rows of each version as claims.

``submissions`` gains the newest version's number, its 申请抵销量, its numbers of
errors and warnings, and the province and name its form declares; ``version_claims``
holds each CCER row that names a project. Both are filled here from the JSON of the
versions already stored, as ``intake.review.operations`` writes them from now on.

The stored JSON is read here as it was written when this revision was made (the
contract's application JSON: a valid quantity is a plain decimal string), not
through the live ``Application``, so that later changes to the code cannot change
what this revision does.

Revision ID: 0004
Revises: 0003
Create Date: 2024-01-04
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUANTITY = sa.Numeric(20, 4)
# The registry's precision (NUMERIC(20, 4), below 10^11 t): other values are not stored.
MAX_DECIMALS = 4
MAX_INTEGER_DIGITS = 11
BATCH = 500
# How Application.to_json wrote a quantity that was read as a valid number.
PLAIN_DECIMAL = re.compile(r"^\+?(\d+(?:\.\d+)?|\.\d+)$")
SUMMARY: dict[str, Any] = {
    "latest_version": sa.Integer(),
    "requested_t": QUANTITY,
    "error_count": sa.Integer(),
    "warning_count": sa.Integer(),
    "declared_province": sa.String(50),
    "declared_name": sa.String(200),
}

_submissions = sa.table(
    "submissions", sa.column("id", sa.Integer()), *(sa.column(n, t) for n, t in SUMMARY.items())
)
_versions = sa.table(
    "versions",
    sa.column("id", sa.Integer()),
    sa.column("submission_id", sa.Integer()),
    sa.column("number", sa.Integer()),
    sa.column("application_json", sa.JSON()),
    sa.column("report_json", sa.JSON()),
)
_claims = sa.table(
    "version_claims",
    sa.column("version_id", sa.Integer()),
    sa.column("row_index", sa.Integer()),
    sa.column("project_number", sa.String()),
    sa.column("quantity_t", QUANTITY),
)


def upgrade() -> None:
    """Add the summary columns and the claims table, then fill both from the stored JSON."""
    for name in ("latest_version", "error_count", "warning_count"):
        op.add_column(
            "submissions", sa.Column(name, sa.Integer(), nullable=False, server_default="0")
        )
    op.add_column("submissions", sa.Column("requested_t", QUANTITY, nullable=True))
    op.add_column("submissions", sa.Column("declared_province", sa.String(50), nullable=True))
    op.add_column("submissions", sa.Column("declared_name", sa.String(200), nullable=True))
    op.create_table(
        "version_claims",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("row_index", sa.Integer(), nullable=False),
        sa.Column("project_number", sa.String(64), nullable=False),
        sa.Column("quantity_t", QUANTITY, nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_version_claims_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version_claims")),
    )
    op.create_index("ix_version_claims_version_id", "version_claims", ["version_id"])
    op.create_index("ix_version_claims_project_number", "version_claims", ["project_number"])
    _backfill(op.get_bind())


def downgrade() -> None:
    """Drop the claims table and the summary columns."""
    op.drop_index("ix_version_claims_project_number", table_name="version_claims")
    op.drop_index("ix_version_claims_version_id", table_name="version_claims")
    op.drop_table("version_claims")
    with op.batch_alter_table("submissions", recreate="never") as batch:
        for name in reversed(SUMMARY):
            batch.drop_column(name)


def _backfill(connection: sa.Connection) -> None:
    newest = dict(
        connection.execute(
            sa.select(_versions.c.submission_id, sa.func.max(_versions.c.number)).group_by(
                _versions.c.submission_id
            )
        ).all()
    )
    update = (
        sa.update(_submissions)
        .where(_submissions.c.id == sa.bindparam("submission_id"))
        .values({name: sa.bindparam(name, type_=kind) for name, kind in SUMMARY.items()})
    )
    for chunk in _chunks(connection):
        summaries, claims = [], []
        for row in chunk:
            read: dict[str, Any] | None = row.application_json or None
            claims += _version_claims(row.id, read)
            if newest.get(row.submission_id) == row.number:
                summaries.append(_summary(row.submission_id, row.number, read, row.report_json))
        if summaries:
            connection.execute(update, summaries)
        if claims:
            connection.execute(sa.insert(_claims), claims)


def _chunks(connection: sa.Connection) -> Iterator[list[sa.Row[Any, Any, Any, Any, Any]]]:
    """The versions, BATCH at a time in order of id, each batch read in full before writing."""
    query = sa.select(
        _versions.c.id,
        _versions.c.submission_id,
        _versions.c.number,
        _versions.c.application_json,
        _versions.c.report_json,
    )
    last = 0
    while True:
        chunk = list(
            connection.execute(
                query.where(_versions.c.id > last).order_by(_versions.c.id).limit(BATCH)
            )
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1].id


def _summary(
    submission_id: int,
    latest: int,
    application: dict[str, Any] | None,
    report_json: dict[str, Any] | None,
) -> dict[str, Any]:
    """The queue's columns of a submission from its newest version."""
    problems = (report_json or {}).get("problems") or []
    errors = sum(1 for p in problems if isinstance(p, dict) and p.get("severity") == "error")
    if application is None:
        requested, province, name = None, None, None
    else:
        declaration = application.get("declaration") or {}
        requested = _storable(_number(application.get("offset_requested_t")))
        province = _text(declaration.get("province"))[:50] or None
        name = _text(application.get("entity_name"))[:200] or None
    return {
        "submission_id": submission_id,
        "latest_version": latest,
        "requested_t": requested,
        "error_count": errors,
        "warning_count": len(problems) - errors,
        "declared_province": province,
        "declared_name": name,
    }


def _version_claims(version_id: int, application: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each CCER row of the version that names a project."""
    if application is None:
        return []
    return [
        {
            "version_id": version_id,
            "row_index": index,
            "project_number": row["project_number"][:64],
            "quantity_t": _storable(_number(row.get("cancel_quantity_t"))),
        }
        for index, row in enumerate(application.get("ccer_rows") or [], start=1)
        if row.get("project_number")
    ]


def _number(value: object) -> Decimal | None:
    """A stored quantity as a Decimal when it was a valid number, else None."""
    if value is None:
        return None
    text = str(value)
    return Decimal(text.lstrip("+")) if PLAIN_DECIMAL.match(text) else None


def _text(value: object) -> str:
    """A stored text field, '' when blank."""
    return "" if value is None else str(value)


def _storable(value: Decimal | None) -> Decimal | None:
    """The quantity when a NUMERIC(20, 4) column keeps it exactly, else None."""
    if value is None or not value.is_finite():
        return None
    exponent = value.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if decimals > MAX_DECIMALS or abs(value) >= Decimal(10) ** MAX_INTEGER_DIGITS:
        return None
    return value
