"""The filled 申请表 as PDF: the Word version converted by headless LibreOffice."""

from __future__ import annotations

import tempfile
from pathlib import Path

from intake.application import Application
from intake.cycles import Cycles
from intake.libreoffice import ConversionFailed, convert, find_soffice
from intake.render.docx import render_docx

CONVERT_TIMEOUT = 60.0  # seconds; a one-page form converts in a few
MSG_NO_LIBREOFFICE = "服务器未安装 LibreOffice，无法生成 PDF；请下载 Word 版本"
MSG_FAILED = "生成 PDF 失败：{reason}；请下载 Word 版本"


class RenderError(RuntimeError):
    """The form could not be produced in the asked format; ``message`` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def render_pdf(
    app: Application, *, timeout: float = CONVERT_TIMEOUT, cycles: Cycles | None = None
) -> bytes:
    """The filled official form for ``app`` as PDF bytes; RenderError without LibreOffice."""
    return docx_to_pdf(render_docx(app, cycles), timeout=timeout)


def docx_to_pdf(data: bytes, *, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """Convert a .docx file's bytes to PDF bytes with headless LibreOffice."""
    if find_soffice() is None:
        raise RenderError(MSG_NO_LIBREOFFICE)
    with tempfile.TemporaryDirectory(prefix="intake-render-") as work:
        source = Path(work) / "form.docx"
        source.write_bytes(data)
        try:
            produced = convert(source, "pdf", Path(work) / "out", timeout)
        except ConversionFailed as exc:
            raise RenderError(MSG_FAILED.format(reason=exc.message)) from exc
        return produced.read_bytes()
