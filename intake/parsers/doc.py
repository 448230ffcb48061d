"""Read legacy Word files (.doc, WPS, RTF) by converting them to .docx with LibreOffice.

Each conversion runs headless with its own throw-away user profile, so parallel
conversions do not share (and lock) one profile, and is killed with its whole
process group when it overruns its timeout.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from intake.parsers.docx import read_docx
from intake.parsers.ooxml import MSG_EMPTY, MSG_ENCRYPTED, ole_is_encrypted, ole_streams, sniff
from intake.parsers.text import FileUnreadable, FormText

MSG_NO_LIBREOFFICE = (
    "无法读取 .doc 文件：服务器未安装 LibreOffice（soffice）。"
    "请安装 libreoffice-writer，或将文件另存为 .docx 后上传"
)
MSG_CONVERT_FAILED = "文件转换失败：LibreOffice 无法打开该文件，文件可能已损坏或不是 Word 文档"
MSG_NOT_DOC = "文件不是有效的 Word 文档（.doc），请另存为 .docx 后上传"
MSG_SPREADSHEET = (
    "文件不是 Word 文档：内容看起来是 Excel 工作簿（.xls），请上传申请表的 Word 或 PDF 文件"
)

SPREADSHEET_STREAMS = {"Workbook", "Book"}
# Text formats Word also saves under a .doc name: HTML ("Web page") and MHTML.
TEXT_DOC_STARTS = (b"<", b"mime-version")
# Opened as a Writer document (not Writer/Web, which has no .docx export).
HTML_AS_TEXT_DOCUMENT = "HTML (StarWriter)"


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_libreoffice(
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
        raise FileUnreadable(MSG_NO_LIBREOFFICE)
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
        raise FileUnreadable(MSG_CONVERT_FAILED)
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
            raise FileUnreadable(
                f"文件转换超时（超过 {timeout:g} 秒），文件可能过大或已损坏"
            ) from None


def read_doc(path: Path) -> FormText:
    """Read a .doc (or WPS, RTF, Word HTML) by converting it to .docx first."""
    kind = _sniff(path)
    if kind == "empty":
        raise FileUnreadable(MSG_EMPTY)
    if kind == "zip":
        return read_docx(path)  # a .docx under a .doc name
    if kind == "ole":
        _check_ole(path)
    elif kind == "other" and not _looks_like_text_document(path):
        raise FileUnreadable(MSG_NOT_DOC)
    with tempfile.TemporaryDirectory(prefix="intake-doc-") as tmp:
        # A plain ASCII name keeps LibreOffice away from odd characters in uploads.
        staged = Path(tmp) / f"upload{_suffix(kind)}"
        shutil.copyfile(path, staged)
        infilter = HTML_AS_TEXT_DOCUMENT if kind == "other" else None
        converted = convert_with_libreoffice(staged, "docx", Path(tmp) / "out", infilter=infilter)
        text = read_docx(converted)
    text.kind = "doc"
    return text


def _sniff(path: Path) -> str:
    """The file's kind by content; an unreadable path is an unreadable file."""
    try:
        return sniff(path)
    except OSError as exc:
        raise FileUnreadable(MSG_NOT_DOC) from exc


def _check_ole(path: Path) -> None:
    """Refuse encrypted files and spreadsheets before spending a conversion on them."""
    if ole_is_encrypted(path):
        raise FileUnreadable(MSG_ENCRYPTED)
    if ole_streams(path) & SPREADSHEET_STREAMS:
        raise FileUnreadable(MSG_SPREADSHEET)


def _looks_like_text_document(path: Path) -> bool:
    """HTML or MHTML saved by Word with a .doc name."""
    with path.open("rb") as fh:
        head = fh.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(TEXT_DOC_STARTS)


def _suffix(kind: str) -> str:
    """The file name suffix LibreOffice should see for this kind."""
    return {"ole": ".doc", "rtf": ".rtf"}.get(kind, ".html")
