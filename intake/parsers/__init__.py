"""parse(path) -> Application, whatever the file: the type is decided from the content."""

from __future__ import annotations

from pathlib import Path

from intake.application import Application
from intake.parsers.layout import read_form
from intake.parsers.text import FileUnreadable, FormNotRecognized, FormText, ParseError

__all__ = ["FileUnreadable", "FormNotRecognized", "ParseError", "parse", "read_text", "sniff"]

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"{\\rtf", "rtf"),
    (b"\xff\xd8\xff", "image"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"BM", "image"),
    (b"GIF8", "image"),
)


def sniff(path: Path) -> str:
    """The file's type from its first bytes: pdf, zip, ole, rtf, image; FileUnreadable otherwise."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise FileUnreadable(f"无法打开文件：{exc.strerror or exc}") from exc
    if not head:
        raise FileUnreadable("文件为空（0 字节）")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    # A PDF may have junk before its header (allowed in the first 1024 bytes).
    if b"%PDF-" in head:
        return "pdf"
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        raise FileUnreadable("文件是网页（HTML），不是 Word、PDF 或图片，请上传申请表文件本身")
    raise FileUnreadable("不支持的文件类型：请上传 .docx、.doc、.pdf、.jpg 或 .png 格式的申请表")


def read_text(path: Path, *, ocr_cache: Path | None = None) -> FormText:
    """The raw FormText of any supported file (scans and photos go through OCR)."""
    kind = sniff(path)
    if kind == "zip":
        from intake.parsers.docx import read_docx

        return read_docx(path)
    if kind in ("ole", "rtf"):
        from intake.parsers.doc import read_doc

        return read_doc(path)
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
    from intake.parsers.ocr import ocr_pdf_pages, read_scan_pdf

    if len(missing) == len(pages):
        return read_scan_pdf(path, cache_dir=ocr_cache)
    scanned = iter(ocr_pdf_pages(path, missing, cache_dir=ocr_cache))
    parts = [page if page is not None else next(scanned) for page in pages]
    merged = merge_pages(parts, kind="scan")
    # A seal can only be seen on the scanned pages.
    merged.stamp_present = any(p.stamp_present for p in parts if p.kind == "scan")
    return merged


def parse(path: Path, *, ocr_cache: Path | None = None) -> Application:
    """The application in the file; raises FileUnreadable or FormNotRecognized."""
    return read_form(read_text(Path(path), ocr_cache=ocr_cache))
