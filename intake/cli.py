"""The ``intake`` command: registry load, parse, check, recall, serve, worker, rules.

Heavy modules are imported inside the commands so that ``intake --help``
and a single ``intake check`` start quickly.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import click

from intake.clihelp import ChineseContext, in_chinese
from intake.config import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from intake.sandbox import Limits
    from intake.verify.protocol import Registry

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
NO_REGISTRY = "数据库中没有登记数据：请先运行 intake registry load DIR"


def _settings(db: str | None) -> Settings:
    return load_settings({"database_url": db} if db else None)


@contextmanager
def _session(settings: Settings, *, migrate: bool) -> Iterator[Session]:
    """A session on the configured database; ``migrate`` brings the schema up to date first."""
    from intake.clock import engine_options
    from intake.db import make_engine, session_factory, upgrade

    url = settings.resolved_database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, execution_options=engine_options(settings))
    try:
        if migrate:
            upgrade(engine)
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _fail(message: str, status: int = EXIT_FAILED) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(status)


db_option = click.option(
    "--db",
    metavar="URL",
    help="数据库地址（SQLAlchemy URL；默认取 INTAKE_DATABASE_URL，再默认 SQLite）",
)
json_option = click.option("--json", "as_json", is_flag=True, help="输出 JSON，每个文件一行")


class LazyGroup(click.Group):
    """A group whose heavier sub-commands are imported only when they are run.

    Every command under it, lazy or not, writes its help in Chinese.
    """

    context_class = ChineseContext

    lazy: ClassVar[dict[str, str]] = {
        "batch": "intake.batch:batch",
        "user": "intake.web.cli_users:user",
        "backup": "intake.backup:backup_command",
        "restore": "intake.backup:restore_command",
        "worker": "intake.web.worker:worker_command",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, the lazy ones included."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing its module on first use."""
        if cmd_name in self.lazy:
            module, attribute = self.lazy[cmd_name].split(":")
            try:
                command: click.Command = getattr(importlib.import_module(module), attribute)
            except (ImportError, AttributeError):
                return None
            return in_chinese(command)
        found = super().get_command(ctx, cmd_name)
        return in_chinese(found) if found is not None else None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """CCER 抵销配额清缴申请表（2021、2022 年度）的读取与核对。"""


@main.group()
def registry() -> None:
    """登记数据：核对所依据的重点排放单位、配额、待抵销 CCER 和项目目录。"""


@registry.command("load")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option
def registry_load(directory: Path, db: str | None) -> None:
    """从 DIRECTORY 导入 entities.csv、allocations.csv、pending_ccer.csv、projects.csv。"""
    from intake.registry.loader import RegistryLoadError, load_registry

    settings = _settings(db)
    with _session(settings, migrate=True) as session:
        try:
            summary = load_registry(session, directory)
            session.commit()
        except RegistryLoadError as exc:
            session.rollback()
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            _fail(f"登记数据未导入（{len(exc.errors)} 处错误），数据库未作任何修改")
    click.echo(
        f"已导入登记数据：重点排放单位 {summary.entities} 家，配额分配 {summary.allocations} 条，"
        f"CCER 批次 {summary.lots} 笔（待抵销 {summary.pending_lots} 笔，"
        f"{format(summary.pending_t, 'f')} 吨），项目目录 {summary.projects} 个"
    )


in_process_option = click.option(
    "--in-process",
    is_flag=True,
    help="在本进程内读取文件（仅用于可信文件；默认在受限的子进程中读取）",
)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option
@click.option("--sources", is_flag=True, help="与 --json 合用：附上每个值的读取位置")
@in_process_option
def parse(files: tuple[Path, ...], as_json: bool, sources: bool, in_process: bool) -> None:
    """读取申请表文件（.docx、.doc、.pdf、.png、.jpg）中填写的内容。"""
    settings = load_settings()
    limits = None if in_process else _parse_limits(settings, preload=len(files) > 1)
    from intake.checking import parse_report

    status = EXIT_OK
    for path in files:
        report = parse_report(path, name=str(path), ocr_cache=_ocr_cache(settings), limits=limits)
        if report.application is None:
            status = EXIT_FAILED
        if as_json:
            data: dict[str, Any] = report.to_json(with_sources=sources)
            out = (
                data["application"]
                if report.application
                else {
                    "file": str(path),
                    "application": None,
                    "problems": data["problems"],
                }
            )
            click.echo(json.dumps(out, ensure_ascii=False))
        else:
            from intake.console import print_parsed

            print_parsed(report)
    sys.exit(status)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@json_option
@in_process_option
def check(files: tuple[Path, ...], db: str | None, as_json: bool, in_process: bool) -> None:
    """读取申请表并与登记数据核对，一次列出全部问题。"""
    settings = _settings(db)
    limits = None if in_process else _parse_limits(settings, preload=len(files) > 1)
    from intake.checking import Checker

    status = EXIT_OK
    with _registry(settings) as lookup:
        # A file checked outside any application: other applications' claims do not count
        # (Claims.IGNORED), so the plain registry serves, read without the ORM on SQLite.
        checker = Checker.from_settings(settings, lookup)
        for path in files:
            report = checker.check_file(
                path,
                name=str(path),
                ocr_cache=_ocr_cache(settings),
                limits=limits,
            )
            if not report.ok:
                status = EXIT_FAILED
            if as_json:
                click.echo(json.dumps(report.to_json(), ensure_ascii=False))
            else:
                from intake.console import print_report

                print_report(report)
    sys.exit(status)


@contextmanager
def _registry(settings: Settings) -> Iterator[Registry]:
    """The registry the check reads: an SQLite file through ``sqlite3`` (the default
    database; no SQLAlchemy to import), any other database through the ORM."""
    from intake.registry.sqlite_lookup import (
        SqliteRegistry,
        connect_read_only,
        has_registry,
        sqlite_path,
    )

    path = sqlite_path(settings.resolved_database_url)
    if path is None:
        from intake.registry.lookup import SqlRegistry

        with _session(settings, migrate=False) as session:
            _require_registry(session)
            yield SqlRegistry(session)
        return
    connection = connect_read_only(path)
    try:
        if connection is None or not has_registry(connection):
            _fail(NO_REGISTRY)
        assert connection is not None
        yield SqliteRegistry(connection)
    finally:
        if connection is not None:
            connection.close()


def _parse_limits(settings: Settings, *, preload: bool = True) -> Limits:
    """The limits files are parsed under; one worker is started at once, so that it
    starts while this process imports what it needs. ``preload=False`` (one file): the
    worker imports only the reader the file needs, once it has lowered its limits."""
    from intake.sandbox import Limits, prestart

    limits = Limits(settings.parse_timeout_s, settings.parse_memory_mb)
    prestart(limits, preload=preload)
    return limits


def _ocr_cache(settings: Settings) -> Path | None:
    path = settings.instance_path / "ocr-cache"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path


def _require_registry(session: Session) -> None:
    from sqlalchemy import inspect

    if not inspect(session.get_bind()).has_table("entities"):
        _fail(NO_REGISTRY)


@main.command()
@click.option("--as-of", "as_of", required=True, type=click.DateTime(["%Y-%m-%d"]))
@db_option
@json_option
def recall(as_of: dt.datetime, db: str | None, as_json: bool) -> None:
    """强制召回（第六步）：召回日后仍处于待抵销状态的 CCER 全部召回。"""
    from intake.review.audit import Actor
    from intake.review.registrations.recall import run_recall

    settings = _settings(db)
    with _session(settings, migrate=True) as session:
        result = run_recall(
            session,
            as_of=as_of.date(),
            period_end=settings.compliance_period_end,
            working_days=settings.recall_working_days,
            actor=Actor(None, _os_user(), "system", "命令行"),
        )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "recall_date": result.recall_date.isoformat(),
                    "recalled_lots": result.recalled_lots,
                    "recalled_t": format(result.recalled_t, "f"),
                },
                ensure_ascii=False,
            )
        )
    elif as_of.date() < result.recall_date:
        click.echo(f"召回日为 {result.recall_date}，尚未到期：未召回任何 CCER")
    else:
        click.echo(
            f"召回日 {result.recall_date}：召回 {result.recalled_lots} 笔待抵销 CCER，"
            f"共 {format(result.recalled_t, 'f')} 吨"
        )


def _os_user() -> str:
    """Who runs the command, as the operating system names them (for the audit log)."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "intake"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="先导入演示登记数据和演示用户")
def serve(host: str, port: int, threads: int, demo: bool) -> None:
    """启动网页服务（waitress）。"""
    from waitress import serve as waitress_serve

    from intake import create_app
    from intake.demo import demo_config, load_demo

    app = create_app(demo_config() if demo else None)
    if demo:
        with app.app_context():
            load_demo(app, applications=True)
    from intake.web.resume import start_resuming

    start_resuming(app)  # the checks this server (or a stopped one) left unfinished
    click.echo(f"intake 已启动：http://{host}:{port}/ （按 Ctrl+C 停止）")
    waitress_serve(app, host=host, port=port, threads=threads, ident="intake")


@main.command()
def rules() -> None:
    """列出全部问题代码：代码、级别、说明。"""
    from intake.verify import rules_table

    for code, severity, title, message in rules_table():
        click.echo(f"{code:<24} {severity:<8} {title}：{message}")


if __name__ == "__main__":
    main()
