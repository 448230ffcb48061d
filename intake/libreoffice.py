"""Headless LibreOffice conversions, for the legacy Word reader and the PDF renderer alike.

Each conversion runs with its own throw-away user profile, so parallel
conversions do not share (and lock) one profile, and is killed with its whole
process group when it overruns its timeout. The callers say what a failure
means to their user; this module only says what went wrong.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

MSG_NOT_INSTALLED = "服务器未安装 LibreOffice（soffice）"
MSG_CONVERT_FAILED = "文件转换失败：LibreOffice 无法打开该文件，文件可能已损坏或不是 Word 文档"
MSG_TIMEOUT = "文件转换超时（超过 {timeout:g} 秒），文件可能过大或已损坏"


class ConversionFailed(Exception):
    """LibreOffice produced nothing; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotInstalled(ConversionFailed):
    """No LibreOffice executable on PATH."""


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(
    path: Path,
    target_ext: str,
    outdir: Path,
    timeout: float = 60,
    infilter: str | None = None,
) -> Path:
    """Convert ``path`` with headless LibreOffice into ``outdir``; the new file's path.

    ``target_ext`` is what ``--convert-to`` takes: ``docx``, ``pdf``, or ``ext:Filter``;
    ``infilter`` forces the import filter (e.g. HTML read as a text document).
    """
    exe = find_soffice()
    if exe is None:
        raise NotInstalled(MSG_NOT_INSTALLED)
    outdir.mkdir(parents=True, exist_ok=True)
    source = path.resolve()
    with tempfile.TemporaryDirectory(prefix="intake-lo-profile-") as profile:
        command = [
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            target_ext,
            "--outdir",
            str(outdir.resolve()),
            str(source),
        ]
        _run(command, timeout)
    produced = outdir / f"{source.stem}.{target_ext.split(':', 1)[0]}"
    if not produced.is_file() or produced.stat().st_size == 0:
        raise ConversionFailed(MSG_CONVERT_FAILED)
    return produced


def _run(command: list[str], timeout: float) -> None:
    """Run a converter in its own process group; kill the group on timeout."""
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    ) as proc:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise ConversionFailed(MSG_TIMEOUT.format(timeout=timeout)) from None
