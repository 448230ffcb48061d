"""Safe opening of Office files: size limits for zips, no entities in XML, OLE streams.

An upload is untrusted. A ``.docx`` is a zip whose directory can lie about sizes,
its XML can carry a DTD with exponential entities, and a file named ``.docx``
may be anything: an encrypted Word file (an OLE compound file), an old ``.doc``,
a renamed ``.xlsx``. Everything here raises ``FileUnreadable`` with a message
the uploader can act on.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import olefile
from lxml import etree

from intake.parsers.text import FileUnreadable

MSG_CORRUPT = "文件已损坏或不完整，无法作为 Word 文档打开"
MSG_ENCRYPTED = "文件已加密（设置了打开密码），请去除密码后重新上传"
MSG_TOO_BIG = "文件解压后过大或包含的条目过多，疑似恶意压缩文件，已拒绝处理"
MSG_BAD_XML = "文件内容的 XML 结构无效，无法作为 Word 文档读取"
MSG_DTD = "文件内容包含不允许的 XML 声明（DTD/实体），已拒绝处理"

# The prolog of a UTF-8 XML part: declaration, comments, PIs, then a DOCTYPE if any.
DOCTYPE_IN_PROLOG = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.DOTALL
)
OFFICE_DOCUMENT_REL = "/officeDocument"
CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    """How much a zip may hold before it is refused as a bomb."""

    max_entries: int = 2000
    max_total_bytes: int = 200 * 1024 * 1024
    max_entry_bytes: int = 100 * 1024 * 1024


DEFAULT_LIMITS = Limits()


def ole_streams(path: Path) -> set[str]:
    """The stream paths of an OLE compound file, '/'-joined (raises FileUnreadable)."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            return {"/".join(parts) for parts in ole.listdir(streams=True, storages=False)}
    except (OSError, ValueError, IndexError, KeyError) as exc:
        raise FileUnreadable(MSG_CORRUPT) from exc


def ole_is_encrypted(path: Path) -> bool:
    """True for a password-protected OLE file: encrypted OOXML, or a .doc with fEncrypted."""
    streams = ole_streams(path)
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return True
    if "WordDocument" not in streams:
        return False
    try:
        with olefile.OleFileIO(str(path)) as ole:
            fib = ole.openstream("WordDocument").read(12)
    except (OSError, ValueError, IndexError, KeyError) as exc:
        raise FileUnreadable(MSG_CORRUPT) from exc
    if len(fib) < 12:
        return False
    flags = int.from_bytes(fib[10:12], "little")
    # FibBase flags: fEncrypted (0x0100) is set for both RC4 and XOR (fObfuscated) passwords.
    return bool(flags & 0x0100)


@contextmanager
def open_zip(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[zipfile.ZipFile]:
    """Open a zip after checking its directory against the limits."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise FileUnreadable(MSG_CORRUPT) from exc
    with zf:
        check_directory(zf.infolist(), limits)
        yield zf


def check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse a zip whose directory declares too many or too large entries."""
    if len(infos) > limits.max_entries:
        raise FileUnreadable(MSG_TOO_BIG)
    total = 0
    for info in infos:
        if info.file_size > limits.max_entry_bytes:
            raise FileUnreadable(MSG_TOO_BIG)
        total += info.file_size
    if total > limits.max_total_bytes:
        raise FileUnreadable(MSG_TOO_BIG)


def read_entry(zf: zipfile.ZipFile, name: str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """One entry's bytes, counted while inflating since the declared size can lie."""
    try:
        with zf.open(name) as fh:
            return _read_bounded(fh, limits.max_entry_bytes)
    except RuntimeError as exc:  # zipfile's "password required" for an encrypted entry
        raise FileUnreadable(MSG_ENCRYPTED) from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise FileUnreadable(MSG_CORRUPT) from exc


def _read_bounded(fh: IO[bytes], limit: int) -> bytes:
    """Read a stream to its end, refusing more than ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    while chunk := fh.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise FileUnreadable(MSG_TOO_BIG)
        parts.append(chunk)
    return b"".join(parts)


def _parser() -> etree.XMLParser:
    """An lxml parser that neither expands entities nor fetches anything."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
    )


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML; a DOCTYPE (the door to entity bombs) is refused."""
    if DOCTYPE_IN_PROLOG.match(data):
        raise FileUnreadable(MSG_DTD)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise FileUnreadable(MSG_BAD_XML) from exc
    # A DOCTYPE the prolog check missed (another encoding) still leaves an internal subset.
    if root.getroottree().docinfo.internalDTD is not None:
        raise FileUnreadable(MSG_DTD)
    return root


def main_part_name(zf: zipfile.ZipFile) -> str | None:
    """The package's main document part, from _rels/.rels, else word/document.xml."""
    names = set(zf.namelist())
    if "_rels/.rels" in names:
        rels = parse_xml(read_entry(zf, "_rels/.rels"))
        for rel in rels:
            if str(rel.get("Type", "")).endswith(OFFICE_DOCUMENT_REL):
                target = posixpath.normpath(str(rel.get("Target", "")).lstrip("/"))
                if target in names and target.endswith(".xml") and _is_wordprocessing(target):
                    return target
    return "word/document.xml" if "word/document.xml" in names else None


def _is_wordprocessing(target: str) -> bool:
    """A main part that is a Word body (not a workbook or a presentation)."""
    return not target.startswith(("xl/", "ppt/"))


def describe_non_word(zf: zipfile.ZipFile) -> str:
    """A message saying what a zip without a Word body seems to be."""
    names = set(zf.namelist())
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        seems = "Excel 工作簿（.xlsx）"
    elif any(n.startswith("ppt/") for n in names):
        seems = "PowerPoint 演示文稿（.pptx）"
    elif "mimetype" in names and b"opendocument" in read_entry(zf, "mimetype")[:200]:
        seems = "OpenDocument 文档（.odt/.ods），请另存为 .docx"
    else:
        seems = "普通压缩包（.zip）"
    return f"文件不是 Word 文档：内容看起来是{seems}，请上传申请表的 Word（.docx）或 PDF 文件"
