"""Read a Word (.docx) file into a ``FormText``: the table rows and the paragraphs outside.

The body XML is walked once, without python-docx's object layers, so that text
python-docx misses is read too: content controls at every level, tracked
insertions (deletions and moved-away text are left out), field results (field
codes are left out), text boxes, nested tables. Nothing is interpreted here;
``layout.read_form`` finds the fields.

Merged cells: a horizontally merged cell (``gridSpan`` or the legacy ``hMerge``)
appears once; the continuation of a vertically merged cell (``vMerge`` without
``restart``) is omitted, its text being the cell above. Column numbers in
``Source.where`` count the row's cells as Word shows them, continuations included.
A nested table's rows follow the row that contains it; text boxes become lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from intake.application import Source
from intake.parsers.ooxml import (
    MSG_CORRUPT,
    describe_non_word,
    main_part_name,
    open_zip,
    parse_xml,
    read_entry,
)
from intake.parsers.text import Cell, FileUnreadable, FormText

W_TRANSITIONAL = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

MSG_NOT_WORD = "文件不是 Word 文档，请上传申请表的 Word（.docx）或 PDF 文件"
MSG_UNREADABLE_BODY = "Word 文档内容结构异常，无法读取"

# What the text walk does with an element, by tag (anything else: walk its children).
TEXT, TAB, BREAK, HYPHEN, SKIP, FIELD, SYMBOL, BOX, CONTROL = range(9)

# Private-use code points of the symbol fonts that forms use for check boxes.
SYMBOL_FONTS: dict[str, dict[int, str]] = {
    "wingdings": {0xA8: "☐", 0x6F: "☐", 0xFE: "☑", 0xFD: "☒", 0x78: "☒", 0xFC: "✓", 0xFB: "✗"},
    "wingdings 2": {0xA3: "☐", 0x52: "☑", 0x54: "☒", 0x50: "✓", 0x4F: "✗"},
}


def read_docx(path: Path) -> FormText:
    """Read a .docx (a zip; the dispatcher has checked the content) into rows and lines."""
    with open_zip(path) as zf:
        name = main_part_name(zf)
        if name is None:
            raise FileUnreadable(describe_non_word(zf))
        try:
            data = read_entry(zf, name)
        except KeyError as exc:
            raise FileUnreadable(MSG_CORRUPT) from exc
    return read_document_xml(data, kind="docx")


def read_document_xml(data: bytes, kind: str = "docx") -> FormText:
    """Read the bytes of a main document part (word/document.xml) into a FormText."""
    root = parse_xml(data)
    ns = _namespace(root.tag)
    body = None if ns is None else root.find(f"{{{ns}}}body")
    if ns is None or body is None:
        raise FileUnreadable(MSG_NOT_WORD)
    walker = _Walker(ns)
    try:
        walker.flow(body, _Flow(prefix=""))
    except (ValueError, RecursionError) as exc:
        raise FileUnreadable(MSG_UNREADABLE_BODY) from exc
    return FormText(kind=kind, rows=walker.rows, lines=walker.lines)


def _namespace(tag: object) -> str | None:
    """The WordprocessingML namespace of a <w:document> root, if it is one."""
    if not isinstance(tag, str):
        return None
    for ns in (W_TRANSITIONAL, W_STRICT):
        if tag == f"{{{ns}}}document":
            return ns
    return None


@dataclass
class _Flow:
    """A run of paragraphs outside tables (the body, or one text box)."""

    prefix: str
    count: int = 0


@dataclass
class _CellSink:
    """What a table cell collects: its paragraphs' text and the tables nested in it."""

    parts: list[str] = field(default_factory=list)
    nested: list[etree._Element] = field(default_factory=list)


class _Walker:
    """One pass over the body, filling ``rows`` and ``lines`` in document order."""

    def __init__(self, ns: str) -> None:
        w = f"{{{ns}}}"
        self.w = w
        self.rows: list[list[Cell]] = []
        self.lines: list[Cell] = []
        self.tables = 0
        self.boxes = 0
        self.pending_boxes: list[etree._Element] = []
        self.actions: dict[str, int] = {
            w + "t": TEXT,
            w + "tab": TAB,
            w + "ptab": TAB,
            w + "br": BREAK,
            w + "cr": BREAK,
            w + "noBreakHyphen": HYPHEN,
            w + "fldChar": FIELD,
            w + "sym": SYMBOL,
            w + "txbxContent": BOX,
            w + "sdt": CONTROL,
            f"{{{MC}}}Fallback": SKIP,
        }
        for name in ("del", "moveFrom", "instrText", "delInstrText", "delText", "pPr", "rPr"):
            self.actions[w + name] = SKIP
        for name in ("sdtPr", "sdtEndPr", "tcPr", "trPr", "tblPr", "tblGrid", "sectPr"):
            self.actions[w + name] = SKIP

    # Block level -----------------------------------------------------------

    def flow(self, container: etree._Element, flow: _Flow) -> None:
        """Paragraphs become lines, tables become rows."""
        for el, placeholder in self._blocks(container, placeholder=False):
            if el.tag == self.w + "tbl":
                self.tables += 1
                self.table(el, f"表{self.tables}")
                continue
            flow.count += 1
            text = self.paragraph(el, placeholder)
            if text.strip():
                self.lines.append(Cell(text, Source(f"{flow.prefix}第{flow.count}段")))
            self._flush_boxes()

    def _blocks(
        self, container: etree._Element, placeholder: bool
    ) -> Iterator[tuple[etree._Element, bool]]:
        """Paragraphs and tables, seen through content controls and custom XML."""
        w = self.w
        for child in container:
            tag = child.tag
            if tag == w + "p" or tag == w + "tbl":
                yield child, placeholder
            elif tag == w + "sdt":
                content = child.find(w + "sdtContent")
                if content is not None:
                    yield from self._blocks(content, placeholder or self._shows_placeholder(child))
            elif tag == w + "customXml":
                yield from self._blocks(child, placeholder)

    def _flush_boxes(self) -> None:
        """Text boxes met in the last paragraph, each read as its own run of lines."""
        boxes, self.pending_boxes = self.pending_boxes, []
        for box in boxes:
            self.boxes += 1
            self.flow(box, _Flow(prefix=f"文本框{self.boxes} "))

    # Tables ------------------------------------------------------------------

    def table(self, tbl: etree._Element, label: str) -> None:
        """Each row as its distinct cells; nested tables' rows follow their row."""
        row_no = 0
        for tr in self._children(tbl, self.w + "tr"):
            if self._has(tr, "trPr", "del"):
                continue
            row_no += 1
            cells: list[Cell] = []
            nested: list[tuple[str, etree._Element]] = []
            for col_no, tc in enumerate(self._children(tr, self.w + "tc"), start=1):
                if self._is_continuation(tc):
                    continue
                where = f"{label} 第{row_no}行 第{col_no}列"
                sink = self.cell(tc)
                cells.append(Cell("\n".join(sink.parts), Source(where)))
                nested.extend((where, t) for t in sink.nested)
            if cells:
                self.rows.append(cells)
            for k, (where, inner) in enumerate(nested, start=1):
                self.table(inner, f"{where} 内嵌表{k}")

    def cell(self, tc: etree._Element) -> _CellSink:
        """A cell's paragraphs' text; its nested tables are set aside."""
        sink = _CellSink()
        for el, placeholder in self._blocks(tc, placeholder=False):
            if el.tag == self.w + "tbl":
                sink.nested.append(el)
            else:
                sink.parts.append(self.paragraph(el, placeholder))
                self._flush_boxes()
        return sink

    def _children(self, parent: etree._Element, tag: str) -> Iterator[etree._Element]:
        """Rows of a table or cells of a row, seen through row/cell-level controls."""
        w = self.w
        for child in parent:
            if child.tag == tag:
                yield child
            elif child.tag == w + "sdt":
                content = child.find(w + "sdtContent")
                if content is not None:
                    yield from self._children(content, tag)
            elif child.tag == w + "customXml":
                yield from self._children(child, tag)

    def _is_continuation(self, tc: etree._Element) -> bool:
        """A merged cell's continuation (vMerge/hMerge not restarting) or a deleted cell."""
        props = tc.find(self.w + "tcPr")
        if props is None:
            return False
        if props.find(self.w + "cellDel") is not None:
            return True
        for name in ("vMerge", "hMerge"):
            merge = props.find(self.w + name)
            if merge is not None and merge.get(self.w + "val", "continue") != "restart":
                return True
        return False

    def _has(self, el: etree._Element, props: str, flag: str) -> bool:
        """Whether ``el`` has the property element props/flag."""
        return el.find(f"{self.w}{props}/{self.w}{flag}") is not None

    def _shows_placeholder(self, sdt: etree._Element) -> bool:
        """A content control still showing its prompt text: nothing was typed."""
        flag = sdt.find(f"{self.w}sdtPr/{self.w}showingPlcHdr")
        return flag is not None and flag.get(self.w + "val", "true") not in ("false", "0", "off")

    # Paragraph text -------------------------------------------------------------

    def paragraph(self, p: etree._Element, placeholder: bool) -> str:
        """The visible text of a paragraph; its text boxes are queued for later."""
        if placeholder:
            return ""
        out: list[str] = []
        self._collect(p, out, fields=[])
        return "".join(out)

    def _collect(self, el: etree._Element, out: list[str], fields: list[bool]) -> None:
        """Append the visible text under ``el``; ``fields`` is the complex-field stack."""
        actions = self.actions
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            action = actions.get(tag)
            if action is None:
                self._collect(child, out, fields)
            elif action == TEXT:
                if child.text and all(fields):
                    out.append(child.text)
            elif action == SKIP:
                continue
            elif all(fields) or action == FIELD:
                self._special(action, child, out, fields)

    def _special(
        self, action: int, child: etree._Element, out: list[str], fields: list[bool]
    ) -> None:
        """Tabs, breaks, field characters, symbols, text boxes and run-level controls."""
        if action == TAB:
            out.append(" ")
        elif action == BREAK:
            out.append("\n")
        elif action == HYPHEN:
            out.append("-")
        elif action == FIELD:
            self._field_char(child, fields)
        elif action == SYMBOL:
            out.append(self._symbol(child))
        elif action == BOX:
            self.pending_boxes.append(child)
        elif action == CONTROL and not self._shows_placeholder(child):
            self._collect(child, out, fields)

    def _field_char(self, fld: etree._Element, fields: list[bool]) -> None:
        """Field codes (begin..separate) are hidden, results (separate..end) shown."""
        kind = fld.get(self.w + "fldCharType")
        if kind == "begin":
            fields.append(False)
        elif kind == "separate" and fields:
            fields[-1] = True
        elif kind == "end" and fields:
            fields.pop()

    def _symbol(self, sym: etree._Element) -> str:
        """A w:sym character: check boxes of the symbol fonts, else the code point itself."""
        try:
            code = int(sym.get(self.w + "char", ""), 16)
        except ValueError:
            return ""
        font = sym.get(self.w + "font", "").lower()
        if code >= 0xF000:
            code -= 0xF000
        mapped = SYMBOL_FONTS.get(font, {}).get(code)
        if mapped is not None:
            return mapped
        if font in SYMBOL_FONTS or font == "symbol" or not 0x20 <= code < 0xD800:
            return ""
        return chr(code)
