"""``intake user …``: create users and issue API tokens (attach ``user`` to the main command)."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from intake.accounts.models import Role
from intake.accounts.operations import AccountError, create_user, find_user, issue_token


@click.group("user")
def user() -> None:
    """用户账户：创建用户、签发 API 令牌。"""


@user.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="角色：enterprise 企业、province 省级审核、ministry 生态环境部、admin 管理员",
)
@click.option("--uscc", help="统一社会信用代码（企业用户必填）")
@click.option("--province", help="省级地区（省级审核用户必填）")
@click.option("--name", "display_name", default="", help="页面上显示的名称")
@click.password_option(help="密码（不给出时交互输入）")
def create(
    username: str, role: str, uscc: str | None, province: str | None, display_name: str,
    password: str,
) -> None:  # fmt: skip
    """创建用户。"""
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
    """为用户签发新的 API 令牌（旧令牌作废），只显示这一次。"""
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
