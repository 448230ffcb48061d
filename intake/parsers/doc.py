"""Read legacy Word files (.doc, WPS, RTF) by converting them to .docx with LibreOffice.

The dispatcher (``intake.parsers.read_text``) has already decided the file's
kind from its content; this reader only converts and reads the result back.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Literal

from intake.libreoffice import ConversionFailed, NotInstalled, convert
from intake.parsers.docx import read_docx
from intake.parsers.ooxml import MSG_ENCRYPTED, ole_is_encrypted, ole_streams
from intake.parsers.text import FileUnreadable, FormText

MSG_NO_LIBREOFFICE = (
    "无法读取 .doc 文件：服务器未安装 LibreOffice（soffice）。"
    "请安装 libreoffice-writer，或将文件另存为 .docx 后上传"
)
MSG_SPREADSHEET = (
    "文件不是 Word 文档：内容看起来是 Excel 工作簿（.xls），请上传申请表的 Word 或 PDF 文件"
)

SPREADSHEET_STREAMS = {"Workbook", "Book"}
# Opened as a Writer document (not Writer/Web, which has no .docx export).
HTML_AS_TEXT_DOCUMENT = "HTML (StarWriter)"

# An OLE compound file (.doc, WPS), RTF, or the HTML Word saves as a "web page" .doc.
DocKind = Literal["ole", "rtf", "html"]
SUFFIXES: dict[DocKind, str] = {"ole": ".doc", "rtf": ".rtf", "html": ".html"}


def read_doc(path: Path, kind: DocKind) -> FormText:
    """Read a legacy Word file of the given kind by converting it to .docx first."""
    if kind == "ole":
        _check_ole(path)
    with tempfile.TemporaryDirectory(prefix="intake-doc-") as tmp:
        # A plain ASCII name keeps LibreOffice away from odd characters in uploads.
        staged = Path(tmp) / f"upload{SUFFIXES[kind]}"
        shutil.copyfile(path, staged)
        infilter = HTML_AS_TEXT_DOCUMENT if kind == "html" else None
        try:
            converted = convert(staged, "docx", Path(tmp) / "out", infilter=infilter)
        except NotInstalled as exc:
            raise FileUnreadable(MSG_NO_LIBREOFFICE) from exc
        except ConversionFailed as exc:
            raise FileUnreadable(exc.message) from exc
        text = read_docx(converted)
    text.kind = "doc"
    return text


def _check_ole(path: Path) -> None:
    """Refuse encrypted files and spreadsheets before spending a conversion on them."""
    if ole_is_encrypted(path):
        raise FileUnreadable(MSG_ENCRYPTED)
    if ole_streams(path) & SPREADSHEET_STREAMS:
        raise FileUnreadable(MSG_SPREADSHEET)
