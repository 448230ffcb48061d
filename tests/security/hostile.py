"""Generators of hostile uploads: zip and XML bombs, PDF bombs and loops, huge images, polyglots.

Each function writes one file under ``folder`` and returns its path. The files are
built at test time (most are tiny on disk and enormous once decoded), so nothing
dangerous is kept in the repository.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE_DOCX = DATA / "docx" / "v01.docx"
SAMPLE_PDF = DATA / "pdf" / "v06.pdf"

MB = 1024 * 1024
ZERO_CHUNK = bytes(MB)

BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>"""

# The same DOCTYPE, declared in UTF-16 so that a byte-level prolog check cannot see it.
EXTERNAL_ENTITY_UTF16 = (
    EXTERNAL_ENTITY.replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
    .decode("ascii")
    .encode("utf-16")
)

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>"""


def _sample_entries(source: Path = SAMPLE_DOCX) -> dict[str, bytes]:
    with zipfile.ZipFile(source) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _zeros_entry(zf: zipfile.ZipFile, name: str, megabytes: int) -> None:
    """A deflated entry of ``megabytes`` MB of zeros, streamed (never held in memory)."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as out:
        for _ in range(megabytes):
            out.write(ZERO_CHUNK)


def docx_many_entries(folder: Path, count: int = 5000) -> Path:
    """A .docx with thousands of empty entries besides the real ones."""
    entries = _sample_entries()
    entries.update({f"word/media/pad{i}.bin": b"" for i in range(count)})
    return _write_zip(folder / "many-entries.docx", entries)


def docx_huge_entry(folder: Path, megabytes: int = 150) -> Path:
    """A .docx whose document.xml inflates to ``megabytes`` MB (kilobytes on disk)."""
    path = folder / "huge-entry.docx"
    entries = _sample_entries()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            if name != "word/document.xml":
                zf.writestr(name, data)
        _zeros_entry(zf, "word/document.xml", megabytes)
    return path


def docx_huge_total(folder: Path, parts: int = 5, megabytes: int = 50) -> Path:
    """A .docx of several entries, each under the per-entry limit, together over the total."""
    path = folder / "huge-total.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _sample_entries().items():
            zf.writestr(name, data)
        for index in range(parts):
            _zeros_entry(zf, f"word/media/image{index}.bin", megabytes)
    return path


def docx_lying_size(folder: Path, megabytes: int = 150) -> Path:
    """A .docx whose directory says document.xml is 1 KB while it inflates to much more."""
    path = docx_huge_entry(folder, megabytes)
    data = bytearray(path.read_bytes())
    real = megabytes * MB
    # force_zip64 stores the sizes in the zip64 extra field of both headers: patch both.
    needle = struct.pack("<Q", real)
    start = 0
    while (found := data.find(needle, start)) != -1:
        data[found : found + 8] = struct.pack("<Q", 1024)
        start = found + 8
    out = folder / "lying-size.docx"
    out.write_bytes(bytes(data))
    return out


def docx_with_part(folder: Path, part: str, xml: bytes, name: str) -> Path:
    """The sample .docx with one XML part replaced."""
    entries = _sample_entries()
    entries[part] = xml
    return _write_zip(folder / name, entries)


def docx_billion_laughs(folder: Path) -> Path:
    """Exponential entity expansion in word/document.xml."""
    return docx_with_part(folder, "word/document.xml", BILLION_LAUGHS, "billion-laughs.docx")


def docx_external_entity(folder: Path) -> Path:
    """An external entity reading /etc/passwd in word/document.xml."""
    return docx_with_part(folder, "word/document.xml", EXTERNAL_ENTITY, "xxe.docx")


def docx_external_entity_utf16(folder: Path) -> Path:
    """The external entity, in a UTF-16 document.xml."""
    return docx_with_part(folder, "word/document.xml", EXTERNAL_ENTITY_UTF16, "xxe-utf16.docx")


def docx_parameter_entity_rels(folder: Path) -> Path:
    """A parameter entity fetching a remote DTD, in the package relationships (_rels/.rels)."""
    return docx_with_part(folder, "_rels/.rels", PARAMETER_ENTITY, "xxe-rels.docx")


def docx_entities_in_other_parts(folder: Path) -> Path:
    """Entity bombs in every XML part but the body (styles, settings, content types...)."""
    entries = _sample_entries()
    for name in entries:
        if name.endswith((".xml", ".rels")) and name not in ("word/document.xml", "_rels/.rels"):
            entries[name] = BILLION_LAUGHS
    return _write_zip(folder / "entities-everywhere.docx", entries)


# ---------------------------------------------------------------- PDF


def _pdf(objects: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF with a correct cross-reference table from numbered object bodies (1-based)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R " % (len(objects) + 1, root))
    out.write(trailer_extra + b">>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _stream(data: bytes, dictionary: bytes = b"", *, deflate: bool = True) -> bytes:
    if deflate:
        data = zlib.compress(data, 9)
        dictionary += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


def _deflated_zeros(megabytes: int) -> bytes:
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(ZERO_CHUNK) for _ in range(megabytes)]
    parts.append(compressor.flush())
    return b"".join(parts)


def _one_page(content: bytes) -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        content,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


def pdf_deflate_bomb(folder: Path, megabytes: int = 1024) -> Path:
    """A page whose content stream inflates to ``megabytes`` MB of zeros (about 1/1000 on disk)."""
    data = _deflated_zeros(megabytes)
    content = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    path = folder / "deflate-bomb.pdf"
    path.write_bytes(_pdf(_one_page(content)))
    return path


def pdf_page_tree_cycle(folder: Path) -> Path:
    """A page tree whose /Pages node lists itself among its kids."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    path = folder / "page-tree-cycle.pdf"
    path.write_bytes(_pdf(objects))
    return path


def pdf_self_reference(folder: Path) -> Path:
    """Objects that resolve to themselves: a /Length and a /Pages pointing at their own object."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"2 0 R",
        b"4 0 R",
        b"3 0 R",
    ]
    path = folder / "self-reference.pdf"
    path.write_bytes(_pdf(objects))
    return path


def pdf_endless_content(folder: Path, operations: int = 2_000_000) -> Path:
    """A page of millions of tiny drawing and text operations (a few hundred KB deflated)."""
    unit = b"0 0 m 1 1 l S BT /F1 1 Tf 1 0 0 1 5 5 Tm (x) Tj ET\n"
    path = folder / "endless-content.pdf"
    path.write_bytes(_pdf(_one_page(_stream(unit * (operations // 2)))))
    return path


# ---------------------------------------------------------------- images and polyglots


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_huge_dimensions(folder: Path, side: int = 30_000) -> Path:
    """A PNG whose header claims ``side`` × ``side`` pixels, with a token amount of data."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    idat = zlib.compress(bytes(side * 3 + 1) * 4)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat)
    path = folder / "huge.png"
    path.write_bytes(data + _png_chunk(b"IEND", b""))
    return path


def polyglot_pdf_zip(folder: Path) -> Path:
    """A file that starts as a PDF and ends as the sample .docx (a zip reads from its end)."""
    path = folder / "polyglot.pdf"
    path.write_bytes(b"%PDF-1.4\n% not a real pdf\n" + SAMPLE_DOCX.read_bytes())
    return path


def polyglot_png_html(folder: Path) -> Path:
    """A PNG signature followed by an HTML page with a script."""
    path = folder / "polyglot.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>")
    return path


Generator = Callable[[Path], Path]

# Files an in-process parse refuses quickly and safely, by name.
REFUSED_IN_PROCESS: dict[str, Generator] = {
    "many-entries": docx_many_entries,
    "huge-entry": docx_huge_entry,
    "huge-total": docx_huge_total,
    "lying-size": docx_lying_size,
    "billion-laughs": docx_billion_laughs,
    "external-entity": docx_external_entity,
    "external-entity-utf16": docx_external_entity_utf16,
    "parameter-entity-rels": docx_parameter_entity_rels,
    "page-tree-cycle": pdf_page_tree_cycle,
    "self-reference": pdf_self_reference,
    "huge-png": png_huge_dimensions,
    "polyglot-pdf-zip": polyglot_pdf_zip,
    "polyglot-png-html": polyglot_png_html,
}

# Files only the sandbox's limits stop (memory or time).
NEEDS_SANDBOX: dict[str, Generator] = {
    "deflate-bomb": pdf_deflate_bomb,
    "endless-content": pdf_endless_content,
}
