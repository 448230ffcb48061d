"""The command line's own help in Chinese: click's headings, defaults and the help option.

click writes "Usage:", "Options", "Commands", "[default: …]" and "Show this message and
exit." itself; this formatter says them in Chinese, for every command of ``intake``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import click

HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
PHRASES = (
    ("Show this message and exit.", "显示本帮助并退出。"),
    ("Show the version and exit.", "显示版本并退出。"),
    ("[default: ", "[默认："),
    ("[required]", "[必填]"),
)


def chinese(text: str) -> str:
    """click's own English phrases in a help text, said in Chinese."""
    for english, translated in PHRASES:
        text = text.replace(english, translated)
    return text


class ChineseFormatter(click.HelpFormatter):
    """A help formatter whose fixed words are Chinese."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """用法：intake …"""
        super().write_usage(prog, args, "用法：")

    def write_heading(self, heading: str) -> None:
        """A heading with a full-width colon: 选项："""
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        """A section under its Chinese heading."""
        with super().section(HEADINGS.get(name, name)):
            yield

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        """Options and commands, with click's phrases in Chinese."""
        super().write_dl([(term, chinese(text)) for term, text in rows], col_max, col_spacing)


class ChineseContext(click.Context):
    """A context that formats help in Chinese."""

    formatter_class = ChineseFormatter


def in_chinese(command: click.Command) -> click.Command:
    """Give a command, and every command under it, the Chinese help."""
    command.context_class = ChineseContext
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            in_chinese(sub)
    return command
