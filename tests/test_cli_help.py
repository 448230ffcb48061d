"""The command line's help is Chinese throughout, for every command."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from intake.cli import main

ENGLISH_WORDS = re.compile(r"\b(Usage|Options|Commands|Show this|Manage|Create|Issue|default:)\b")


def _commands(
    group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    found = [prefix]
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            found += _commands(command, ctx, (*prefix, name))
        elif command is not None:
            found.append((*prefix, name))
    return found


def test_every_command_has_chinese_help() -> None:
    with click.Context(main) as ctx:
        commands = _commands(main, ctx)
    assert ("user", "create") in commands
    runner = CliRunner()
    for path in commands:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "用法：" in result.output, path
        assert "显示本帮助并退出" in result.output, path
        assert not ENGLISH_WORDS.search(result.output), (path, result.output)


@pytest.mark.parametrize("path", [("batch",), ("user", "create")])
def test_option_help_is_chinese(path: tuple[str, ...]) -> None:
    output = CliRunner().invoke(main, [*path, "--help"]).output
    assert "选项：" in output
