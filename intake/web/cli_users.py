"""``intake user …``: create users, set passwords, issue, list and revoke API tokens
(attach ``user`` to the main command)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session

from intake.accounts.models import Role, User, utcnow
from intake.accounts.operations import (
    TOKEN_STATE_LABELS,
    AccountError,
    change_password,
    create_user,
    find_user,
    issue_token,
    revoke_token,
    tokens_of,
)
from intake.config import Settings


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
    with _database() as (session, _config):
        try:
            create_user(session, username, password, role, uscc=uscc, province=province,
                        display_name=display_name)  # fmt: skip
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"已创建用户 {username}")


@user.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码（一行），不提示。")
def password(username: str, password_stdin: bool) -> None:
    """设置用户的密码；该用户的所有登录会话随即结束。"""
    if password_stdin:
        new = sys.stdin.readline().rstrip("\r\n")
    else:
        new = click.prompt("新密码", hide_input=True, confirmation_prompt="再次输入新密码")
    with _database() as (session, _config):
        found = _user(session, username)
        try:
            ended = change_password(session, found, new, utcnow())
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"已修改用户 {username} 的密码，结束登录会话 {ended} 个")


@user.command("token")
@click.argument("username")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="有效天数（默认 INTAKE_API_TOKEN_DAYS，即 90 天）。",
)
@click.option("--label", default="命令行签发", show_default=True, help="令牌用途说明。")
def token(username: str, days: int | None, label: str) -> None:
    """为用户签发新的 API 令牌（有期限，旧令牌仍有效），只显示这一次。"""
    with _database() as (session, config):
        found = _user(session, username)
        try:
            value = issue_token(found, days=days or config.api_token_days, label=label,
                                max_days=config.api_token_max_days)  # fmt: skip
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
        expires = found.tokens[-1].expires_at
    click.echo(value)
    click.echo(f"有效期至 {expires:%Y-%m-%d %H:%M} UTC", err=True)


@user.command("tokens")
@click.argument("username")
def tokens(username: str) -> None:
    """列出用户的 API 令牌：编号、状态、用途、令牌开头和日期。"""
    with _database() as (session, _config):
        found = _user(session, username)
        listed = tokens_of(session, found)
        now = utcnow()
        for t in listed:
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "从未使用"
            click.echo(
                f"{t.id}\t{TOKEN_STATE_LABELS[t.state(now)]}\t{t.label or '-'}\t{t.prefix or '-'}\t"
                f"创建 {t.created_at:%Y-%m-%d %H:%M}\t到期 {t.expires_at:%Y-%m-%d %H:%M}\t"
                f"最近使用 {used}"
            )
    if not listed:
        click.echo(f"用户 {username} 没有 API 令牌")


@user.command("revoke-token")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """按编号吊销 API 令牌（编号见 intake user tokens），令牌立即失效。"""
    with _database() as (session, _config):
        found = revoke_token(session, token_id, now=utcnow())
        if found is None:
            raise click.ClickException(f"令牌 {token_id} 不存在")
        session.commit()
    click.echo(f"已撤销令牌 {token_id}")


def _user(session: Session, username: str) -> User:
    found = find_user(session, username)
    if found is None:
        raise click.ClickException(f"用户 {username} 不存在")
    return found


@contextmanager
def _database() -> Iterator[tuple[Session, Settings]]:
    """A session on the configured database and the settings; the engine is closed after."""
    from intake import create_app
    from intake.web.database import engine, sessions, settings

    app = create_app()
    try:
        with sessions(app)() as session:
            yield session, settings(app)
    finally:
        engine(app).dispose()
