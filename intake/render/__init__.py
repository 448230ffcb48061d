"""The filled official 申请表 (附表1 / 附表2) of an Application, as Word and PDF files."""

from intake.render.docx import render_docx
from intake.render.pdf import RenderError, render_pdf

__all__ = ["RenderError", "render_docx", "render_pdf"]
