"""What a file is, from its first bytes (never from its name), and how to say so in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from intake.parsers.text import FileUnreadable

Kind = Literal["empty", "pdf", "zip", "ole", "rtf", "image", "other"]
HEAD_BYTES = 1024

# (first bytes, kind, what to call it in a message)
SIGNATURES: tuple[tuple[bytes, Kind, str], ...] = (
    (b"%PDF", "pdf", "PDF 文件"),
    (b"PK\x03\x04", "zip", "ZIP 压缩包或 Word（.docx）文档"),
    (b"PK\x05\x06", "zip", "空的 ZIP 压缩包"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole", "旧版 Office 文档（如 .doc、.xls）"),
    (b"{\\rtf", "rtf", "RTF 文档"),
    (b"\xff\xd8\xff", "image", "JPEG 图片"),
    (b"\x89PNG\r\n\x1a\n", "image", "PNG 图片"),
    (b"II*\x00", "image", "TIFF 图片"),
    (b"MM\x00*", "image", "TIFF 图片"),
    (b"BM", "image", "BMP 图片"),
    (b"GIF8", "image", "GIF 图片"),
)


def read_head(path: Path) -> bytes:
    """The file's first bytes; FileUnreadable when it cannot be opened."""
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError as exc:
        raise FileUnreadable(f"无法打开文件：{exc.strerror or exc}") from exc


def kind_of(head: bytes) -> Kind:
    """The kind of file these first bytes begin."""
    if not head:
        return "empty"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if _is_heif(head):
        return "image"
    for magic, kind, _ in SIGNATURES:
        if head.startswith(magic):
            return kind
    # A PDF may carry junk before its header (readers allow it in the first 1024 bytes).
    if b"%PDF-" in head:
        return "pdf"
    return "other"


HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"avif")


def _is_heif(head: bytes) -> bool:
    """True for a HEIC/HEIF/AVIF picture (an iPhone's photo): an ISO ``ftyp`` box of that brand."""
    return head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS


def describe(head: bytes) -> str:
    """What a file's first bytes look like, in Chinese, for a message to the user."""
    if _is_heif(head):
        return "HEIC/HEIF 图片（苹果手机的照片格式）"
    for magic, _, name in SIGNATURES:
        if head.startswith(magic):
            return name
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<meta")):
        return "网页（HTML），可能是下载时保存了网页"
    if text.startswith(b"<"):
        return "XML 或网页文本"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "无法识别的二进制数据"
    return "纯文本"
