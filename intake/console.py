"""The command line's human-readable output: Chinese lists, not JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from intake.application import Report
from intake.verify.catalogue import label


def print_parsed(report: Report) -> None:
    """The fields read from one file, with where each was read."""
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
    for key, value in flat(data):
        source = sources.get(key)
        table.add_row(key, "" if value is None else str(value), source.where if source else "")
    console.print(table)


def flat(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) for every leaf of the application JSON."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flat(value, path + ".")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from flat(item, f"{path}[{i}].")
        else:
            yield path, value


def print_report(report: Report) -> None:
    """Every problem of one file, errors and warnings, with a verdict."""
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
