"""Read a PDF with a text layer into a ``FormText``.

Each page's characters are read once; the form's table is found from the
page's ruling lines (a full grid, or horizontal rules only), or, when the
file draws no rules at all, from the alignment of the text (``pdfgrid``).
Characters are put into cells by geometry (a character belongs to the cell
holding its centre); everything outside the table becomes ``lines`` in
reading order (``pdflines``).

A page whose text layer cannot be trusted (see ``page_needs_ocr``) is left
to OCR: ``read_pdf`` raises ``NeedsOcr``, ``read_pdf_pages`` returns ``None``
for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdftypes import PDFObjRef
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException

from intake.application import Source
from intake.parsers.filetype import describe, kind_of, read_head
from intake.parsers.pdfgrid import Grid, banded_grids, grid_rows, ruled_grids, text_grids
from intake.parsers.pdflines import (
    Char,
    bounds,
    group_lines,
    is_ideograph,
    is_page_furniture,
    join,
    split,
)
from intake.parsers.text import Cell, FileUnreadable, FormText, NeedsOcr, ParseError
from intake.values import fold_radicals

MAX_PAGES = 20
MAX_REFERENCE_CHAIN = 32  # an indirect object resolving through more references is a loop
MAX_TREE_NODES = 1000  # page-tree nodes walked before the tree is refused
MSG_MEMORY = "文件处理所需内存超出限制，可能已损坏或过于复杂（如解压后极大的内容）"
MSG_LOOP = "PDF 文件结构异常（对象引用循环），无法读取，请重新导出后上传"
MIN_CHARS = 10  # fewer non-blank characters than this: no text layer to speak of
MIN_CHARS_FOR_SCRIPT_CHECK = 20
BROKEN_SHARE = 0.10  # share of (cid:N) / private-use / control characters
MIN_CJK_SHARE = 0.05  # the form is Chinese: less than this means garbled mapping
SCAN_IMAGE_SHARE = 0.30  # an image this large on a page without text: a scan
FULL_PAGE_IMAGE_SHARE = 0.80  # a page this covered by one image is a scan, text or not
OUTLINE_CURVES = 200  # text drawn as outlines


@dataclass
class _Page:
    """What one page yields before tables are read."""

    number: int
    chars: list[Char]
    height: float
    grids: list[Grid] = field(default_factory=list)


# ---------------------------------------------------------------- public API


def read_pdf(path: Path) -> FormText:
    """The whole PDF as one FormText; NeedsOcr when any page lacks a usable text layer."""
    pages = read_pdf_pages(path)
    missing = [str(i) for i, page in enumerate(pages, start=1) if page is None]
    if missing:
        raise NeedsOcr(f"第{'、'.join(missing)}页没有可用的文字层，需要文字识别")
    return merge_pages([p for p in pages if p is not None])


def read_pdf_pages(path: Path) -> list[FormText | None]:
    """One FormText per page, None for a page that needs OCR; FileUnreadable on bad files."""
    with _opened(path) as pdf:
        declared = _declared_pages(pdf)
        _check_page_count(declared if declared > MAX_PAGES else len(pdf.pages))
        return _read_document(pdf.pages)


def page_count(path: Path) -> int:
    """Number of pages; FileUnreadable when the file cannot be opened as a PDF."""
    with _opened(path) as pdf:
        return len(pdf.pages)


def merge_pages(parts: Sequence[FormText], kind: str = "pdf") -> FormText:
    """Pages' texts joined in order: rows after rows, lines after lines."""
    merged = FormText(kind=kind)
    for part in parts:
        merged.rows.extend(part.rows)
        merged.lines.extend(part.lines)
    return merged


def page_needs_ocr(page: Any) -> bool:
    """True when a pdfplumber page has no usable text layer.

    A page needs OCR when any of these holds, counting only non-blank
    character objects:
    1. at least 10% of them are broken: ``(cid:N)`` (a glyph without a Unicode
       mapping), private-use code points (U+E000–U+F8FF, planes 15–16), U+FFFD
       or control characters;
    2. there are at least 20 and fewer than 5% are CJK ideographs: the form is
       Chinese, so its Chinese was mapped to something else (Latin-1 mojibake,
       ASCII codes of a subset font);
    3. there are fewer than 10 and the page shows an image covering at least
       30% of it, or at least 200 curves (text drawn as outlines);
    4. one image covers at least 80% of the page: a scan, perhaps with a
       scanner's invisible OCR layer, whose seal can only be seen on the image.
    A page with fewer than 10 characters and nothing drawn is blank, not a scan.
    """
    texts = [c["text"] for c in page.chars if not c["text"].isspace()]
    area = float(page.width * page.height) or 1.0
    shares = [_image_area(image) / area for image in page.images]
    if shares and max(shares) >= FULL_PAGE_IMAGE_SHARE:
        return True
    if len(texts) < MIN_CHARS:
        return sum(shares) >= SCAN_IMAGE_SHARE or len(page.curves) >= OUTLINE_CURVES
    return text_is_garbled(texts)


def text_is_garbled(texts: Sequence[str]) -> bool:
    """Rules 1 and 2 of ``page_needs_ocr`` on a page's character texts."""
    if not texts:
        return False
    broken = sum(1 for t in texts if is_broken_glyph(t))
    if broken / len(texts) >= BROKEN_SHARE:
        return True
    if len(texts) < MIN_CHARS_FOR_SCRIPT_CHECK:
        return False
    cjk = sum(1 for t in texts if is_ideograph(t))
    return cjk / len(texts) < MIN_CJK_SHARE


def is_broken_glyph(text: str) -> bool:
    """A character object whose text is not a real character."""
    if text.startswith("(cid:"):
        return True
    return any(_is_broken_code(ord(ch)) for ch in text)


# ---------------------------------------------------------------- errors


def _check_header(path: Path) -> None:
    """FileUnreadable for a missing, empty or non-PDF file."""
    head = read_head(path)
    if not head:
        raise FileUnreadable("文件为空（0 字节），请重新上传")
    if kind_of(head) != "pdf":
        raise FileUnreadable(
            f"文件不是 PDF：内容看起来是{describe(head)}，"
            "可能只是把扩展名改成了 .pdf，请上传原始文件"
        )


def _check_page_count(count: int) -> None:
    """FileUnreadable for a document far longer than the form."""
    if count > MAX_PAGES:
        raise FileUnreadable(f"页数过多（{count} 页），申请表应为 1–3 页")
    if count == 0:
        raise FileUnreadable("PDF 文件没有任何页面")


@contextmanager
def _opened(path: Path) -> Iterator[Any]:
    """The file opened with pdfplumber (and closed); every failure becomes FileUnreadable."""
    _check_header(path)
    try:
        pdf = pdfplumber.open(path)
        try:
            yield pdf
        finally:
            _close(pdf)
    except PdfminerException as exc:
        raise _unreadable(exc.args[0] if exc.args else exc) from exc
    except PSException as exc:
        raise _unreadable(exc) from exc
    except (ParseError, NeedsOcr):
        raise
    except MemoryError as exc:
        raise _unreadable(exc) from exc
    except Exception as exc:
        # Outer boundary: pdfminer raises arbitrary built-in errors (KeyError,
        # TypeError, zlib.error, struct.error...) on malformed files; none may
        # reach the user as a crash.
        raise FileUnreadable("PDF 文件结构异常，无法读取，请重新导出后上传") from exc


def _close(pdf: Any) -> None:
    """Close the file; pdfplumber's own close() first builds every page (a loop never ends)."""
    if "_pages" in vars(pdf):
        pdf.close()
    else:
        pdf.stream.close()


def _declared_pages(pdf: Any) -> int:
    """The page count the document declares (0 if none), read without building every page.

    The page tree is walked first: pdfminer follows a reference that points at itself
    forever, so a loop must be refused before any page is built.
    """
    _check_page_tree(pdf.doc.catalog.get("Pages"))
    tree = _resolved(pdf.doc.catalog.get("Pages"))
    count = _resolved(tree.get("Count")) if isinstance(tree, dict) else None
    return count if isinstance(count, int) else 0


def _resolved(value: Any) -> Any:
    """An indirect object followed to its value; FileUnreadable for a reference loop."""
    for _ in range(MAX_REFERENCE_CHAIN):
        if not isinstance(value, PDFObjRef):
            return value
        value = value.resolve()
    raise FileUnreadable(MSG_LOOP)


def _check_page_tree(root: Any) -> None:
    """FileUnreadable when a page-tree node is reached twice (a loop) or the tree is huge."""
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, PDFObjRef):
            if item.objid in seen:
                raise FileUnreadable(MSG_LOOP)
            seen.add(item.objid)
        if len(seen) > MAX_TREE_NODES:
            raise FileUnreadable(f"页数过多（超过 {MAX_TREE_NODES} 页），申请表应为 1–3 页")
        node = _resolved(item)
        kids = _resolved(node.get("Kids")) if isinstance(node, dict) else None
        stack.extend(kids if isinstance(kids, list) else [])


def _unreadable(cause: object) -> FileUnreadable:
    """The Chinese message for a pdfminer failure."""
    if isinstance(cause, PDFPasswordIncorrect):
        return FileUnreadable("文件已加密（设置了打开密码），请去除密码后重新上传")
    if isinstance(cause, MemoryError):
        return FileUnreadable(MSG_MEMORY)
    if isinstance(cause, PDFEncryptionError):
        return FileUnreadable("文件使用了无法识别的加密方式，请去除加密后重新上传")
    return FileUnreadable("PDF 文件已损坏或不完整（可能上传中断），无法读取，请重新导出后上传")


# ---------------------------------------------------------------- pages


def _read_document(pages: Sequence[Any]) -> list[FormText | None]:
    """Usable pages read with their tables; None where OCR is needed."""
    found: list[_Page | None] = []
    for number, page in enumerate(pages, start=1):
        if page_needs_ocr(page):
            found.append(None)
            continue
        # Browsers' fonts map some ideographs to radical code points (⽉ for 月).
        chars = [
            {**c, "text": fold_radicals(c["text"])}
            for c in page.chars
            if not is_broken_glyph(c["text"])
        ]
        ruled = ruled_grids(page)
        found.append(_Page(number, chars, float(page.height), ruled + banded_grids(page, ruled)))
    if not any(p.grids for p in found if p is not None):
        for p in found:
            if p is not None:
                p.grids = text_grids(p.chars)
    return [None if p is None else _page_text(p) for p in found]


def _page_text(page: _Page) -> FormText:
    """A page's rows (table by table, top to bottom) and its other lines."""
    out = FormText(kind="pdf")
    remaining = page.chars
    for index, grid in enumerate(sorted(page.grids, key=lambda g: g.bbox[1]), start=1):
        inside, remaining = split(remaining, grid.bbox)
        label = "表格" if index == 1 else f"表格{index}"
        out.rows.extend(grid_rows(grid, inside, page.number, label))
    for number, line in enumerate(group_lines(remaining), start=1):
        where = f"第{page.number}页 第{number}行"
        box = bounds(line)
        if is_page_furniture(join(line), box[1], box[3], page.height):
            continue
        out.lines.append(Cell(join(line), Source(where, page.number, box)))
    return out


# ---------------------------------------------------------------- OCR detection


def _image_area(image: Char) -> float:
    """Visible area of an image object."""
    return max(0.0, float(image["x1"] - image["x0"])) * max(
        0.0, float(image["bottom"] - image["top"])
    )


def _is_broken_code(code: int) -> bool:
    """Private-use, replacement or control code points."""
    return (
        0xE000 <= code <= 0xF8FF
        or code >= 0xF0000
        or code == 0xFFFD
        or (code < 0x20 and code not in (0x09, 0x0A, 0x0D))
        or 0x7F <= code <= 0x9F
    )
