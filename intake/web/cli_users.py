"""``intake user …``: create users and issue API tokens (attach ``user`` to the main command)."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from intake.accounts.models import Role
from intake.accounts.operations import AccountError, create_user, find_user, issue_token


@click.group("user")
def user() -> None:
    """Manage user accounts."""


@user.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--uscc", help="统一社会信用代码 (enterprise users).")
@click.option("--province", help="省级地区 (province users).")
@click.option("--name", "display_name", default="", help="Name shown on the pages.")
@click.password_option()
def create(
    username: str, role: str, uscc: str | None, province: str | None, display_name: str,
    password: str,
) -> None:  # fmt: skip
    """Create a user."""
    with _session() as session:
        try:
            create_user(session, username, password, role, uscc=uscc, province=province,
                        display_name=display_name)  # fmt: skip
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"已创建用户 {username}")


@user.command("token")
@click.argument("username")
def token(username: str) -> None:
    """Issue a new API token for the user (replacing the old one) and print it once."""
    with _session() as session:
        found = find_user(session, username)
        if found is None:
            raise click.ClickException(f"用户 {username} 不存在")
        value = issue_token(found)
        session.commit()
    click.echo(value)


def _session() -> Session:
    from intake import create_app
    from intake.web.database import sessions

    return sessions(create_app())()
