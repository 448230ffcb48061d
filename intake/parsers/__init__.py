"""parse(path) -> Application, whatever the file: the type is decided from the content."""

from __future__ import annotations

from pathlib import Path

from intake.application import Application
from intake.parsers.filetype import Kind, describe, kind_of, read_head
from intake.parsers.layout import read_form
from intake.parsers.plausible import temper
from intake.parsers.text import FileUnreadable, FormNotRecognized, FormText, ParseError

__all__ = ["FileUnreadable", "FormNotRecognized", "ParseError", "parse", "read_text", "sniff"]


def sniff(path: Path) -> Kind:
    """The file's type from its first bytes: pdf, zip, ole, rtf, image; FileUnreadable otherwise."""
    head = read_head(path)
    kind = kind_of(head)
    if kind == "empty":
        raise FileUnreadable("文件为空（0 字节）")
    if kind == "other":
        raise FileUnreadable(
            f"不支持的文件类型：内容看起来是{describe(head)}。"
            "请上传 .docx、.doc、.pdf、.jpg 或 .png 格式的申请表"
        )
    return kind


def read_text(path: Path, *, ocr_cache: Path | None = None) -> FormText:
    """The raw FormText of any supported file (scans and photos go through OCR)."""
    kind = sniff(path)
    if kind == "zip":
        from intake.parsers.docx import read_docx

        return read_docx(path)
    if kind == "ole" or kind == "rtf":
        from intake.parsers.doc import read_doc

        return read_doc(path, kind)
    if kind == "pdf":
        return _read_pdf(path, ocr_cache)
    from intake.parsers.ocr import read_image

    return read_image(path, cache_dir=ocr_cache)


def _read_pdf(path: Path, ocr_cache: Path | None) -> FormText:
    """A PDF page by page: the text layer where it is usable, OCR where it is not."""
    from intake.parsers.pdf import merge_pages, read_pdf_pages

    pages = read_pdf_pages(path)
    missing = [i for i, page in enumerate(pages) if page is None]
    if not missing:
        return merge_pages([p for p in pages if p is not None], kind="pdf")
    from intake.parsers.hiddentext import hidden_texts, reconcile
    from intake.parsers.ocr import ocr_pdf_pages, read_scan_pdf

    # A scanner app's invisible text layer is a second reading to compare OCR with.
    hidden = hidden_texts(path, missing)
    if len(missing) == len(pages):
        return reconcile(read_scan_pdf(path, cache_dir=ocr_cache), hidden)
    scanned = iter(reconcile(p, hidden) for p in ocr_pdf_pages(path, missing, cache_dir=ocr_cache))
    parts = [page if page is not None else next(scanned) for page in pages]
    merged = merge_pages(parts, kind="scan")
    # A seal can only be seen on the scanned pages.
    merged.stamp_present = any(p.stamp_present for p in parts if p.kind == "scan")
    return merged


def parse(path: Path, *, ocr_cache: Path | None = None) -> Application:
    """The application in the file; raises FileUnreadable or FormNotRecognized."""
    app = read_form(read_text(Path(path), ocr_cache=ocr_cache))
    temper(app)
    return app
