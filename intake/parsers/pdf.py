"""Read a PDF with a text layer into a ``FormText``.

Each page's characters are read once; the form's table is found from the
page's ruling lines (a full grid, or horizontal rules only), or, when the
file draws no rules at all, from the alignment of the text. Characters are
put into cells by geometry (a character belongs to the cell holding its
centre); everything outside the table becomes ``lines`` in reading order.

A page whose text layer cannot be trusted (see ``page_needs_ocr``) is left
to OCR: ``read_pdf`` raises ``NeedsOcr``, ``read_pdf_pages`` returns ``None``
for it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdftypes import PDFObjRef
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException

from intake.application import Source
from intake.parsers.filetype import describe, kind_of, read_head
from intake.parsers.text import Cell, FileUnreadable, FormText, NeedsOcr, ParseError

Char = dict[str, Any]  # a pdfplumber character object
Box = tuple[float, float, float, float]  # x0, top, x1, bottom

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
SPACE_GAP = 0.30  # gap, in font sizes, that reads as a space
CELL_GAP = 0.80  # gap, in font sizes, that separates two cells of an unruled table
MIN_RULE_SHARE = 0.30  # a horizontal table rule spans at least this share of the page
RULE_TOLERANCE = 3.0
BAND_GAP = 0.60  # lines closer than this (in font sizes) belong to one unruled row
CENTRE_TOLERANCE = 0.35  # a cell is centred on its row within this (font sizes)
MIN_TEXT_ROWS = 3  # multi-column rows needed to take unruled text for a table


@dataclass
class _Grid:
    """A table on a page: distinct cell boxes per row, or row bands to split by text."""

    bbox: Box
    rows: list[list[Box]]
    split_by_text: bool = False


@dataclass
class _Page:
    """What one page yields before tables are read."""

    number: int
    chars: list[Char]
    grids: list[_Grid] = field(default_factory=list)


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
    cjk = sum(1 for t in texts if _is_ideograph(t))
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
        chars = [c for c in page.chars if not is_broken_glyph(c["text"])]
        ruled = _ruled_grids(page)
        found.append(_Page(number, chars, ruled + _banded_grids(page, ruled)))
    if not any(p.grids for p in found if p is not None):
        for p in found:
            if p is not None:
                p.grids = _text_grids(p.chars)
    return [None if p is None else _page_text(p) for p in found]


def _page_text(page: _Page) -> FormText:
    """A page's rows (table by table, top to bottom) and its other lines."""
    out = FormText(kind="pdf")
    remaining = page.chars
    for index, grid in enumerate(sorted(page.grids, key=lambda g: g.bbox[1]), start=1):
        inside, remaining = _split(remaining, grid.bbox)
        label = "表格" if index == 1 else f"表格{index}"
        out.rows.extend(_grid_rows(grid, inside, page.number, label))
    for number, line in enumerate(_group_lines(remaining), start=1):
        where = f"第{page.number}页 第{number}行"
        out.lines.append(Cell(_join(line), Source(where, page.number, _bounds(line))))
    return out


def _grid_rows(grid: _Grid, chars: list[Char], page: int, label: str) -> list[list[Cell]]:
    """The cells of a table, each with the text of the characters it holds."""
    chars = sorted(chars, key=_cy)
    keys = [_cy(c) for c in chars]
    rows: list[list[Cell]] = []
    for r, boxes in enumerate(grid.rows, start=1):
        if grid.split_by_text:
            cells = [(_bounds(part), part) for part in _text_cells(_inside(chars, keys, boxes[0]))]
        else:
            cells = [(box, _inside(chars, keys, box)) for box in boxes]
        if not cells:
            continue  # an empty band between two rules: no cell to report
        rows.append(
            [
                Cell(_cell_text(held), Source(f"第{page}页 {label}第{r}行第{c}列", page, box))
                for c, (box, held) in enumerate(cells, start=1)
            ]
        )
    return rows


# ---------------------------------------------------------------- finding tables


def _ruled_grids(page: Any) -> list[_Grid]:
    """Tables drawn with a full grid of ruling lines."""
    settings = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
    grids = []
    for table in page.find_tables(settings):
        rows = [[_box(c) for c in row.cells if c is not None] for row in table.rows]
        rows = [row for row in rows if row]
        if sum(len(row) for row in rows) >= 2:
            grids.append(_Grid(_box(table.bbox), rows))
    return grids


def _banded_grids(page: Any, ruled: list[_Grid]) -> list[_Grid]:
    """Tables drawn with horizontal rules only: the bands between rules are rows."""
    taken = [g.bbox for g in ruled]
    rules = sorted(
        (
            e
            for e in page.edges
            if e["orientation"] == "h"
            and e["x1"] - e["x0"] >= MIN_RULE_SHARE * float(page.width)
            and not any(_contains(b, (e["x0"], e["top"], e["x1"], e["top"])) for b in taken)
        ),
        key=lambda e: (round(e["x0"]), round(e["x1"]), e["top"]),
    )
    grids = []
    for group in _rule_groups(rules):
        tops = _distinct([e["top"] for e in group])
        if len(tops) < 3:
            continue
        x0 = min(e["x0"] for e in group)
        x1 = max(e["x1"] for e in group)
        bands = [[(x0, a, x1, b)] for a, b in pairwise(tops)]
        grids.append(_Grid((x0, tops[0], x1, tops[-1]), bands, split_by_text=True))
    return grids


def _rule_groups(rules: list[Char]) -> Iterator[list[Char]]:
    """Rules with the same left and right ends, within tolerance."""
    group: list[Char] = []
    for rule in rules:
        if group and (
            abs(rule["x0"] - group[0]["x0"]) > RULE_TOLERANCE
            or abs(rule["x1"] - group[0]["x1"]) > RULE_TOLERANCE
        ):
            yield group
            group = []
        group.append(rule)
    if group:
        yield group


def _text_grids(chars: list[Char]) -> list[_Grid]:
    """Without any rules: runs of bands with text in several columns form a table."""
    bands = _bands(_group_lines(chars))
    multi = [len(_text_cells(band)) >= 2 for band in bands]
    grids: list[_Grid] = []
    start: int | None = None
    for i, is_multi in enumerate([*multi, False, False, False]):
        if is_multi and start is None:
            start = i
        if start is not None and not any(multi[i : i + 3]):
            if sum(multi[start:i]) >= MIN_TEXT_ROWS:
                grids.append(_band_grid(bands[start:i]))
            start = None
    return grids


def _bands(lines: list[list[Char]]) -> list[list[Char]]:
    """Lines grouped into unruled table rows (see ``_row_groups``), as flat char lists."""
    runs: list[list[list[Char]]] = []
    for line in lines:
        if runs and _gap(runs[-1][-1], line) < BAND_GAP * _size(runs[-1][-1][0], line[0]):
            runs[-1].append(line)
        else:
            runs.append([line])
    return [[c for line in group for c in line] for run in runs for group in _row_groups(run)]


def _row_groups(run: list[list[Char]]) -> list[list[list[Char]]]:
    """Tightly spaced lines split into the fewest rows whose cells are each centred.

    In a row, a cell's lines are contiguous and vertically centred on the row,
    and at least one cell is a single line (the value): so a label wrapped
    over three lines with its value beside the middle one forms one row,
    while two stacked single-line rows never merge.
    """
    columns = _columns(run)
    best: list[tuple[int, int]] = [(0, 0)]  # (row count, start of last row)
    for end in range(1, len(run) + 1):
        options = [
            (best[start][0] + 1, start)
            for start in range(end)
            if end - start == 1 or _is_row(run[start:end], columns)
        ]
        best.append(min(options))
    groups: list[list[list[Char]]] = []
    end = len(run)
    while end > 0:
        start = best[end][1]
        groups.insert(0, run[start:end])
        end = start
    return groups


def _columns(run: list[list[Char]]) -> list[tuple[float, float]]:
    """Column intervals of a run: overlapping pieces of multi-piece lines joined."""
    spans = sorted(
        (seg[0]["x0"], seg[-1]["x1"])
        for line in run
        if len(segs := _segments(line)) >= 2
        for seg in segs
    )
    columns: list[tuple[float, float]] = []
    for x0, x1 in spans:
        if columns and x0 < columns[-1][1]:
            columns[-1] = (columns[-1][0], max(columns[-1][1], x1))
        else:
            columns.append((x0, x1))
    return columns


def _is_row(lines: list[list[Char]], columns: list[tuple[float, float]]) -> bool:
    """True when the lines can be one table row (see ``_row_groups``)."""
    if not columns:
        return False
    top, bottom = _span(lines[0])[0], max(_span(line)[1] for line in lines)
    size = _size(lines[0][0], lines[-1][0])
    by_column: dict[int, list[tuple[float, float]]] = {}
    for line in lines:
        for seg in _segments(line):
            middle = (seg[0]["x0"] + seg[-1]["x1"]) / 2
            col = next((i for i, (a, b) in enumerate(columns) if a <= middle <= b), -1)
            by_column.setdefault(col, []).append(_span(seg))
    single = False
    for pieces in by_column.values():
        pieces.sort()
        if any(b[0] - a[1] >= BAND_GAP * size for a, b in pairwise(pieces)):
            return False
        if abs(pieces[0][0] + pieces[-1][1] - top - bottom) / 2 > CENTRE_TOLERANCE * size:
            return False
        single = single or len(pieces) == 1
    return single


def _gap(upper: list[Char], lower: list[Char]) -> float:
    """Vertical space between two lines."""
    return _span(lower)[0] - _span(upper)[1]


def _span(chars: list[Char]) -> tuple[float, float]:
    """Top and bottom of the visible characters."""
    shown = [c for c in chars if not c["text"].isspace()] or chars
    return float(min(c["top"] for c in shown)), float(max(c["bottom"] for c in shown))


def _band_grid(bands: list[list[Char]]) -> _Grid:
    """An unruled table: one full-width row box per band."""
    boxes = [_bounds(band) for band in bands]
    x0 = min(b[0] for b in boxes) - 0.5
    x1 = max(b[2] for b in boxes) + 0.5
    rows = [[(x0, b[1] - 0.5, x1, b[3] + 0.5)] for b in boxes]
    return _Grid((x0, rows[0][0][1], x1, rows[-1][0][3]), rows, split_by_text=True)


def _text_cells(chars: list[Char]) -> list[list[Char]]:
    """An unruled row split into cells: text pieces whose columns overlap join."""
    pieces = [seg for line in _group_lines(chars) for seg in _segments(line)]
    pieces.sort(key=lambda seg: seg[0]["x0"])
    cells: list[list[Char]] = []
    right = float("-inf")
    for seg in pieces:
        if cells and seg[0]["x0"] < right:
            cells[-1].extend(seg)
            right = max(right, seg[-1]["x1"])
        else:
            cells.append(list(seg))
            right = seg[-1]["x1"]
    return cells


# ---------------------------------------------------------------- text geometry


def _group_lines(chars: Iterable[Char]) -> list[list[Char]]:
    """Characters clustered into visual lines, top to bottom, each left to right."""
    lines: list[list[Char]] = []
    spans: list[tuple[float, float]] = []
    for char in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        middle = (char["top"] + char["bottom"]) / 2
        if spans and spans[-1][0] <= middle <= spans[-1][1]:
            lines[-1].append(char)
        else:
            lines.append([char])
            spans.append((char["top"], char["bottom"]))
    out = [sorted(line, key=lambda c: c["x0"]) for line in lines]
    return [line for line in out if any(not c["text"].isspace() for c in line)]


def _segments(line: list[Char]) -> list[list[Char]]:
    """A line cut where the gap between characters is wide enough to separate cells."""
    words = [c for c in line if not c["text"].isspace()]
    parts: list[list[Char]] = []
    for char in words:
        if parts and char["x0"] - parts[-1][-1]["x1"] <= CELL_GAP * _size(parts[-1][-1], char):
            parts[-1].append(char)
        else:
            parts.append([char])
    return parts


def _join(line: list[Char]) -> str:
    """A line's text: no spaces between Chinese characters, one where a real gap is."""
    out: list[str] = []
    previous: Char | None = None
    spaced = False
    for char in line:
        text = char["text"]
        if text.isspace():
            spaced = True
            continue
        if previous is not None:
            if _duplicate(previous, char):
                continue
            gap = char["x0"] - previous["x1"]
            wide = _is_wide(previous["text"][-1]) and _is_wide(text[0])
            limit = (CELL_GAP if wide else SPACE_GAP) * _size(previous, char)
            if gap > limit or (spaced and not wide):
                out.append(" ")
        out.append(text)
        previous, spaced = char, False
    return "".join(out)


def _cell_text(chars: list[Char]) -> str:
    """A cell's lines joined with newlines."""
    return "\n".join(_join(line) for line in _group_lines(chars))


def _duplicate(a: Char, b: Char) -> bool:
    """The same glyph printed twice in place (simulated bold)."""
    return bool(
        a["text"] == b["text"] and abs(a["x0"] - b["x0"]) < 1 and abs(a["top"] - b["top"]) < 1
    )


def _split(chars: list[Char], box: Box) -> tuple[list[Char], list[Char]]:
    """Characters whose centre lies in the box, and the others."""
    inside: list[Char] = []
    outside: list[Char] = []
    for char in chars:
        (inside if _centre_in(char, box) else outside).append(char)
    return inside, outside


def _inside(chars: list[Char], keys: list[float], box: Box) -> list[Char]:
    """Characters (sorted by vertical centre) whose centre lies in the box."""
    lo, hi = bisect_left(keys, box[1]), bisect_right(keys, box[3])
    return [c for c in chars[lo:hi] if box[0] <= (c["x0"] + c["x1"]) / 2 <= box[2]]


def _centre_in(char: Char, box: Box) -> bool:
    """True when the character's centre lies in the box."""
    return box[0] <= (char["x0"] + char["x1"]) / 2 <= box[2] and box[1] <= _cy(char) <= box[3]


def _contains(outer: Box, inner: Box) -> bool:
    """True when inner lies within outer, with tolerance."""
    t = RULE_TOLERANCE
    return (
        outer[0] - t <= inner[0]
        and outer[1] - t <= inner[1]
        and inner[2] <= outer[2] + t
        and inner[3] <= outer[3] + t
    )


def _cy(char: Char) -> float:
    """Vertical centre of a character."""
    return float(char["top"] + char["bottom"]) / 2


def _size(a: Char, b: Char) -> float:
    """Font size for gap thresholds between two neighbouring characters."""
    return float(max(a["size"], b["size"], 1.0))


def _bounds(chars: Sequence[Char]) -> Box:
    """Bounding box of characters."""
    return (
        float(min(c["x0"] for c in chars)),
        float(min(c["top"] for c in chars)),
        float(max(c["x1"] for c in chars)),
        float(max(c["bottom"] for c in chars)),
    )


def _box(obj: Any) -> Box:
    """A pdfplumber bbox as floats."""
    x0, top, x1, bottom = obj
    return (float(x0), float(top), float(x1), float(bottom))


def _distinct(values: list[float]) -> list[float]:
    """Sorted values with near-duplicates (double-drawn rules) dropped."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > RULE_TOLERANCE:
            out.append(value)
    return out


def _median(values: list[float]) -> float:
    """Median of a non-empty list."""
    ordered = sorted(values)
    return float(ordered[len(ordered) // 2]) if ordered else 0.0


def _image_area(image: Char) -> float:
    """Visible area of an image object."""
    return max(0.0, float(image["x1"] - image["x0"])) * max(
        0.0, float(image["bottom"] - image["top"])
    )


# ---------------------------------------------------------------- character classes


def _is_ideograph(text: str) -> bool:
    """A CJK ideograph (unified, extension A, compatibility)."""
    code = ord(text[0]) if text else 0
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def _is_wide(ch: str) -> bool:
    """Ideographs, CJK punctuation and full-width forms: set without spaces."""
    code = ord(ch)
    return _is_ideograph(ch) or 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF


def _is_broken_code(code: int) -> bool:
    """Private-use, replacement or control code points."""
    return (
        0xE000 <= code <= 0xF8FF
        or code >= 0xF0000
        or code == 0xFFFD
        or (code < 0x20 and code not in (0x09, 0x0A, 0x0D))
        or 0x7F <= code <= 0x9F
    )
