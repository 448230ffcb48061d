"""The ``intake`` command: registry load, parse, check, recall, serve, rules.

Heavy modules are imported inside the commands so that ``intake --help``
and a single ``intake check`` start quickly.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from intake.config import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from intake.application import Report

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _settings(db: str | None) -> Settings:
    return load_settings({"database_url": db} if db else None)


@contextmanager
def _session(settings: Settings, *, migrate: bool) -> Iterator[Session]:
    """A session on the configured database; ``migrate`` brings the schema up to date first."""
    from intake.db import make_engine, session_factory, upgrade

    url = settings.resolved_database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
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
    "--db", metavar="URL", help="SQLAlchemy URL (default: INTAKE_DATABASE_URL, then SQLite)."
)
json_option = click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Intake and checking of CCER offset applications (2021/2022)."""


@main.group()
def registry() -> None:
    """The registry data the checks compare against."""


@registry.command("load")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option
def registry_load(directory: Path, db: str | None) -> None:
    """Load entities.csv, allocations.csv, pending_ccer.csv and projects.csv from DIRECTORY."""
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


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option
@click.option("--sources", is_flag=True, help="With --json: add where each value was read.")
def parse(files: tuple[Path, ...], as_json: bool, sources: bool) -> None:
    """Extract the application from each FILE (.docx, .doc, .pdf, .png, .jpg)."""
    from intake.checking import parse_report

    settings = load_settings()
    status = EXIT_OK
    for path in files:
        report = parse_report(path, name=str(path), ocr_cache=_ocr_cache(settings))
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
            _print_parsed(report)
    sys.exit(status)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@json_option
def check(files: tuple[Path, ...], db: str | None, as_json: bool) -> None:
    """Parse each FILE and verify it against the registry."""
    from intake.checking import check_file
    from intake.registry.lookup import SqlRegistry

    settings = _settings(db)
    status = EXIT_OK
    with _session(settings, migrate=False) as session:
        _require_registry(session)
        lookup = SqlRegistry(session)
        for path in files:
            report = check_file(
                path,
                lookup,
                name=str(path),
                deadline=settings.deadline,
                low_confidence=settings.ocr_low_confidence,
                ocr_cache=_ocr_cache(settings),
            )
            if not report.ok:
                status = EXIT_FAILED
            if as_json:
                click.echo(json.dumps(report.to_json(), ensure_ascii=False))
            else:
                _print_report(report)
    sys.exit(status)


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
        _fail("数据库中没有登记数据：请先运行 intake registry load DIR")


@main.command()
@click.option("--as-of", "as_of", required=True, type=click.DateTime(["%Y-%m-%d"]))
@db_option
@json_option
def recall(as_of: dt.datetime, db: str | None, as_json: bool) -> None:
    """The forced recall (第六步): pending lots left after the recall date are recalled."""
    from intake.review.audit import Actor
    from intake.review.recall import run_recall

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
@click.option("--demo", is_flag=True, help="Load the demo registry and demo users first.")
def serve(host: str, port: int, threads: int, demo: bool) -> None:
    """Run the web application (waitress, a production WSGI server)."""
    from waitress import serve as waitress_serve

    from intake import create_app

    app = create_app()
    if demo:
        from intake.demo import load_demo

        with app.app_context():
            load_demo(app)
    click.echo(f"intake 已启动：http://{host}:{port}/ （按 Ctrl+C 停止）")
    waitress_serve(app, host=host, port=port, threads=threads, ident="intake")


@main.command()
def rules() -> None:
    """List the problem codes: code, severity, message."""
    from intake.verify import rules_table

    for code, severity, title, message in rules_table():
        click.echo(f"{code:<24} {severity:<8} {title}：{message}")


def _print_parsed(report: Report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if report.application is None:
        for problem in report.problems:
            console.print(f"[red]{report.file}：{problem.message}（{problem.code}）[/red]")
        return
    table = Table(title=str(report.file), show_lines=False)
    table.add_column("栏目")
    table.add_column("填写内容")
    table.add_column("读取位置", style="dim")
    data = report.application.to_json()
    sources = report.application.sources
    for key, value in _flat(data):
        source = sources.get(key)
        table.add_row(key, "" if value is None else str(value), source.where if source else "")
    console.print(table)


def _flat(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flat(value, path + ".")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from _flat(item, f"{path}[{i}].")
        else:
            yield path, value


def _print_report(report: Report) -> None:
    from rich.console import Console
    from rich.markup import escape

    from intake.verify.catalogue import label

    console = Console(highlight=False)
    if not report.problems:
        console.print(f"[green]✓ {escape(str(report.file))}：未发现问题[/green]")
        return
    console.print(f"[bold]{escape(str(report.file))}[/bold]")
    for problem in report.problems:
        mark = "[red]✗ 错误[/red]" if problem.severity == "error" else "[yellow]! 提示[/yellow]"
        console.print(
            f"  {mark} [bold]{escape(label(problem.field))}[/bold]：{escape(problem.message)}"
            f" [dim]{problem.code}[/dim]"
        )
        details = [
            f"应为：{problem.expected}" if problem.expected else "",
            f"填写：{problem.actual}" if problem.actual else "",
        ]
        if any(details):
            console.print("         " + escape("；".join(d for d in details if d)), style="dim")
    verdict = "须修改后重新提交" if not report.ok else "可以提交"
    console.print(f"  共 {len(report.errors)} 个错误、{len(report.warnings)} 个提示：{verdict}")


def _attach_user_commands() -> None:
    from intake.web.cli_users import user

    main.add_command(user)


_attach_user_commands()

if __name__ == "__main__":
    main()
