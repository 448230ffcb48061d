"""Login sessions kept on the server, and API tokens that expire and can be revoked.

Each user's single token (``users.api_token_hash``) moves to ``api_tokens`` with an
expiry of 90 days from the migration, so that scripts keep working while their owners
issue dated tokens; the column is then emptied, not dropped: dropping a UNIQUE column
rebuilds the table on SQLite, and dropping the old ``users`` table there would fire the
ON DELETE actions of every table that refers to users (versions, decisions, sessions…).
Downgrading puts each user's newest live token back.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MIGRATED_TOKEN_DAYS = 90

users = sa.table("users", sa.column("id", sa.Integer()), sa.column("api_token_hash", sa.String(64)))
api_tokens = sa.table(
    "api_tokens",
    sa.column("id", sa.Integer()),
    sa.column("user_id", sa.Integer()),
    sa.column("token_hash", sa.String(64)),
    sa.column("prefix", sa.String(8)),
    sa.column("label", sa.String(100)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("expires_at", sa.DateTime(timezone=True)),
    sa.column("revoked_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    """Create login_sessions and api_tokens, move the users' tokens over, empty the column."""
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(16), nullable=True),
        sa.CheckConstraint(
            "end_reason IS NULL OR end_reason IN ('logout', 'password', 'idle', 'lifetime')",
            name=op.f("ck_login_sessions_end_reason_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_login_sessions_key_hash")),
    )  # fmt: skip
    op.create_index("ix_login_sessions_user_id", "login_sessions", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(8), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )  # fmt: skip
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    _move_tokens()
    op.execute(users.update().values(api_token_hash=None))


def _move_tokens() -> None:
    now = dt.datetime.now(dt.UTC)
    connection = op.get_bind()
    held = connection.execute(
        sa.select(users.c.id, users.c.api_token_hash)
        .where(users.c.api_token_hash.is_not(None))
        .order_by(users.c.id)
    ).all()
    if held:
        expires = now + dt.timedelta(days=MIGRATED_TOKEN_DAYS)
        op.bulk_insert(
            api_tokens,
            [{"user_id": user_id, "token_hash": digest, "prefix": "", "label": "",
              "created_at": now, "expires_at": expires} for user_id, digest in held],
        )  # fmt: skip


def downgrade() -> None:
    """Put each user's newest live token back on the users table; drop the new tables."""
    connection = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    live = connection.execute(
        sa.select(api_tokens.c.user_id, api_tokens.c.token_hash, api_tokens.c.expires_at)
        .where(api_tokens.c.revoked_at.is_(None))
        .order_by(api_tokens.c.id)
    ).all()
    newest: dict[int, str] = {}
    for user_id, digest, expires in live:
        expires = expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)
        if expires > now:
            newest[user_id] = digest
    for user_id, digest in newest.items():
        connection.execute(
            users.update().where(users.c.id == user_id).values(api_token_hash=digest)
        )
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index("ix_login_sessions_user_id", table_name="login_sessions")
    op.drop_table("login_sessions")
