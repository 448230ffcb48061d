"""Variants of a sample 申请表 .docx, as Word, WPS and hand edits really produce them.

Each public function reads ``src``, changes the XML the way an editor would, saves
the result to ``dest`` and returns ``dest``. The form's values are kept, so a reader
must give the same answer for the variant as for the original (unless the variant
says otherwise, e.g. ``add_ccer_rows``).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.document import Document
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAMESPACES = (
    f'xmlns:w="{W}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
RUN_FORMATS = ("<w:b/>", "<w:i/>", '<w:color w:val="C00000"/>', '<w:sz w:val="24"/>', "<w:u/>")


def split_runs(src: Path, dest: Path, pieces: int = 5) -> Path:
    """Every cell's text split over ``pieces`` runs of different formatting."""
    doc = _load(src)
    for tc in _body(doc).iter(qn("w:tc")):
        for p in tc.findall(qn("w:p")):
            text = _text(p)
            if len(text) >= 2:
                _replace_runs(p, _chunks(text, pieces))
    return _save(doc, dest)


def wrap_table_in_control(src: Path, dest: Path) -> Path:
    """The whole table inside one block-level content control."""
    doc = _load(src)
    tbl = _tables(doc)[0]
    sdt = _element('<w:sdt><w:sdtPr><w:alias w:val="申请表"/></w:sdtPr><w:sdtContent/></w:sdt>')
    tbl.addprevious(sdt)
    _child(sdt, "w:sdtContent").append(tbl)
    return _save(doc, dest)


def values_in_cell_controls(src: Path, dest: Path) -> Path:
    """Value cells wrapped in cell-level controls; a row wrapped in a row-level control."""
    doc = _load(src)
    tbl = _tables(doc)[0]
    rows = tbl.findall(qn("w:tr"))
    for tr in rows:
        cells = tr.findall(qn("w:tc"))
        if len(cells) == 4:
            for tc in (cells[1], cells[3]):
                _wrap(tc, "<w:sdt><w:sdtPr><w:text/></w:sdtPr><w:sdtContent/></w:sdt>")
    _wrap(rows[1], "<w:sdt><w:sdtPr/><w:sdtContent/></w:sdt>")
    return _save(doc, dest)


def values_in_run_controls(src: Path, dest: Path) -> Path:
    """Each value's runs inside a run-level plain-text control (as a filled template has)."""
    doc = _load(src)
    for tr in _tables(doc)[0].findall(qn("w:tr")):
        cells = tr.findall(qn("w:tc"))
        if len(cells) == 4:
            for tc in (cells[1], cells[3]):
                for p in tc.findall(qn("w:p")):
                    runs = p.findall(qn("w:r"))
                    if runs:
                        sdt = _element("<w:sdt><w:sdtPr><w:text/></w:sdtPr><w:sdtContent/></w:sdt>")
                        runs[0].addprevious(sdt)
                        _child(sdt, "w:sdtContent").extend(runs)
    return _save(doc, dest)


def placeholder_control(src: Path, dest: Path, label: str = "联系邮箱") -> Path:
    """The value next to ``label`` replaced by a control still showing its prompt text."""
    doc = _load(src)
    tc = _value_cell(doc, label)
    for p in tc.findall(qn("w:p"))[1:]:
        tc.remove(p)
    p = _child(tc, "w:p")
    _replace_runs(p, [])
    p.append(
        _element(
            "<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r>"
            "<w:t>单击或点击此处输入文字。</w:t></w:r></w:sdtContent></w:sdt>"
        )
    )
    return _save(doc, dest)


def tracked_change(src: Path, dest: Path, label: str, old: str) -> Path:
    """The value next to ``label`` shown as a tracked edit: ``old`` deleted, the value inserted."""
    doc = _load(src)
    p = _child(_value_cell(doc, label), "w:p")
    new = _text(p)
    _replace_runs(p, [])
    attrs = 'w:id="{}" w:author="审核人" w:date="2023-10-30T09:00:00Z"'
    p.append(
        _element(
            f"<w:del {attrs.format(901)}><w:r><w:delText>{escape(old)}</w:delText></w:r></w:del>"
        )
    )
    p.append(_element(f"<w:ins {attrs.format(902)}><w:r><w:t>{escape(new)}</w:t></w:r></w:ins>"))
    return _save(doc, dest)


def moved_value(src: Path, dest: Path, label: str) -> Path:
    """The value next to ``label`` moved within its cell: moveFrom text must not count twice."""
    doc = _load(src)
    p = _child(_value_cell(doc, label), "w:p")
    value = _text(p)
    _replace_runs(p, [])
    attrs = 'w:author="审核人" w:date="2023-10-30T09:00:00Z"'
    p.append(
        _element(
            f'<w:moveFrom w:id="911" {attrs}><w:r><w:t>{escape(value)}</w:t></w:r></w:moveFrom>'
        )
    )
    p.append(
        _element(f'<w:moveTo w:id="912" {attrs}><w:r><w:t>{escape(value)}</w:t></w:r></w:moveTo>')
    )
    return _save(doc, dest)


def deleted_row(src: Path, dest: Path, values: tuple[str, str] = ("99999", "CCER-DELETED")) -> Path:
    """An extra CCER row that is a tracked deletion: it must not be read.

    As Word does, the row is marked deleted and its text is deleted text.
    """
    doc = _load(src)
    row = _ccer_rows(doc)[-1]
    extra = _with_values(row, values)
    tr_pr = extra.find(qn("w:trPr"))
    if tr_pr is None:
        tr_pr = _element("<w:trPr/>")
        extra.insert(0, tr_pr)
    attrs = 'w:author="审核人" w:date="2023-10-30T09:00:00Z"'
    tr_pr.append(_element(f'<w:del w:id="921" {attrs}/>'))
    for n, r in enumerate(extra.iter(qn("w:r"))):
        deleted = _element(f'<w:del w:id="{930 + n}" {attrs}/>')
        r.addprevious(deleted)
        deleted.append(r)
        for t in r.findall(qn("w:t")):
            t.tag = qn("w:delText")
    row.addnext(extra)
    return _save(doc, dest)


def values_in_fields(src: Path, dest: Path) -> Path:
    """Values as results of legacy FORMTEXT fields (complex) or of simple fields."""
    doc = _load(src)
    for n, tr in enumerate(_tables(doc)[0].findall(qn("w:tr"))):
        cells = tr.findall(qn("w:tc"))
        if len(cells) != 4:
            continue
        for tc in (cells[1], cells[3]):
            p = _child(tc, "w:p")
            value = _text(p)
            _replace_runs(p, [])
            if n % 2:
                _append_complex_field(p, " FORMTEXT ", value)
            else:
                p.append(
                    _element(
                        f'<w:fldSimple w:instr=" QUOTE 代码 "><w:r><w:t>{escape(value)}</w:t>'
                        "</w:r></w:fldSimple>"
                    )
                )
    return _save(doc, dest)


def split_table(src: Path, dest: Path, at_label: str = "申请配额清缴的CCER基本信息") -> Path:
    """The table split in two before the row starting with ``at_label``, a page break between."""
    doc = _load(src)
    tbl = _tables(doc)[0]
    rows = tbl.findall(qn("w:tr"))
    start = next(i for i, tr in enumerate(rows) if _text(tr).startswith(at_label))
    second = copy.deepcopy(tbl)
    for tr in second.findall(qn("w:tr"))[:start]:
        second.remove(tr)
    for tr in rows[start:]:
        tbl.remove(tr)
    tbl.addnext(second)
    tbl.addnext(
        _element('<w:p><w:r><w:br w:type="page"/></w:r><w:r><w:t>（续表）</w:t></w:r></w:p>')
    )
    return _save(doc, dest)


def add_ccer_rows(src: Path, dest: Path, rows: Iterable[tuple[str, str]]) -> Path:
    """More 注销量 / 项目编号 rows after the last one, as the form's note allows."""
    doc = _load(src)
    last = _ccer_rows(doc)[-1]
    for values in rows:
        extra = _with_values(last, values)
        last.addnext(extra)
        last = extra
    return _save(doc, dest)


def nest_ccer_rows(src: Path, dest: Path) -> Path:
    """The CCER rows moved into a table nested in one full-width cell."""
    doc = _load(src)
    ccer = _ccer_rows(doc)
    inner = _element(
        '<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid>'
        + '<w:gridCol w:w="2000"/>' * 4
        + "</w:tblGrid></w:tbl>"
    )
    holder = _element('<w:tr><w:tc><w:tcPr><w:gridSpan w:val="4"/></w:tcPr><w:p/></w:tc></w:tr>')
    ccer[0].addprevious(holder)
    tc = _child(holder, "w:tc")
    tc.insert(1, inner)  # a cell must end with a paragraph, so the table goes before it
    inner.extend(ccer)
    return _save(doc, dest)


def merge_ccer_labels(src: Path, dest: Path) -> Path:
    """The 注销量 label cells merged vertically (vMerge) across all CCER rows."""
    doc = _load(src)
    for n, tr in enumerate(_ccer_rows(doc)):
        tc = _child(tr, "w:tc")
        props = _props(tc)
        props.append(_element('<w:vMerge w:val="restart"/>' if n == 0 else "<w:vMerge/>"))
        if n:
            for p in tc.findall(qn("w:p")):
                _replace_runs(p, [])
    return _save(doc, dest)


def legacy_hmerge(src: Path, dest: Path) -> Path:
    """Full-width rows written with the legacy hMerge (four cells) instead of gridSpan."""
    doc = _load(src)
    for tr in _tables(doc)[0].findall(qn("w:tr")):
        cells = tr.findall(qn("w:tc"))
        span = cells[0].find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
        if len(cells) != 1 or span is None:
            continue
        _props(cells[0]).remove(span)
        _props(cells[0]).append(_element('<w:hMerge w:val="restart"/>'))
        for _ in range(3):
            cont = _element("<w:tc><w:tcPr><w:hMerge/></w:tcPr><w:p/></w:tc>")
            tr.append(cont)
    return _save(doc, dest)


def fullwidth_digits(src: Path, dest: Path) -> Path:
    """Digits and decimal points in the table typed full-width (０-９, ．)."""
    doc = _load(src)
    for t in _tables(doc)[0].iter(qn("w:t")):
        if t.text:
            t.text = t.text.translate(FULL_WIDTH)
    return _save(doc, dest)


def declaration_in_text_box(src: Path, dest: Path, first: str = "声") -> Path:
    """The paragraphs from the one starting with ``first`` onward moved into a text box.

    Word writes a text box twice (DrawingML choice and VML fallback); it must be read once.
    """
    doc = _load(src)
    body = _body(doc)
    paras = [p for p in body.findall(qn("w:p"))]
    start = next(i for i, p in enumerate(paras) if _text(p).startswith(first))
    moved = paras[start:]
    content = "".join(etree.tostring(p, encoding="unicode") for p in moved)
    for p in moved:
        body.remove(p)
    anchor = _element(_text_box_xml(content))
    sect = body.find(qn("w:sectPr"))
    if sect is not None:
        sect.addprevious(anchor)
    else:
        body.append(anchor)
    return _save(doc, dest)


# Helpers ---------------------------------------------------------------------


def _load(src: Path) -> Document:
    """Open a .docx with python-docx."""
    return docx.Document(str(src))


def _save(doc: Document, dest: Path) -> Path:
    """Save and return where."""
    doc.save(str(dest))
    return dest


def _body(doc: Document) -> etree._Element:
    """The w:body element."""
    body: etree._Element = doc.element.body
    return body


def _tables(doc: Document) -> list[etree._Element]:
    """Top-level tables of the body."""
    return list(_body(doc).findall(qn("w:tbl")))


def _element(xml: str) -> etree._Element:
    """An element from XML text using the w:, mc:, wps: ... prefixes."""
    tag_end = xml.index(">")
    self_closing = xml[tag_end - 1] == "/"
    head = xml[: tag_end - 1] if self_closing else xml[:tag_end]
    rest = xml[tag_end - 1 :] if self_closing else xml[tag_end:]
    return parse_xml(f"{head} {NAMESPACES}{rest}")


def _child(el: etree._Element, tag: str) -> etree._Element:
    """The first child ``tag`` (a w:-prefixed name) of ``el``, which must exist."""
    found = el.find(qn(tag))
    if found is None:
        raise LookupError(tag)
    return found


def _text(el: etree._Element) -> str:
    """Concatenated w:t text under ``el``."""
    return "".join(t.text or "" for t in el.iter(qn("w:t")))


def _chunks(text: str, pieces: int) -> list[str]:
    """``text`` cut into at most ``pieces`` non-empty parts."""
    size = max(1, -(-len(text) // pieces))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _replace_runs(p: etree._Element, pieces: list[str]) -> None:
    """Replace a paragraph's runs by one run per piece, each formatted differently.

    A bookmark and a proofing mark sit between runs, as Word leaves them.
    """
    for child in list(p):
        if child.tag != qn("w:pPr"):
            p.remove(child)
    for n, piece in enumerate(pieces):
        fmt = RUN_FORMATS[n % len(RUN_FORMATS)]
        if n == 1:
            p.append(_element('<w:proofErr w:type="spellStart"/>'))
        if n == 2:
            p.append(_element(f'<w:bookmarkStart w:id="{800 + n}" w:name="_Hlk{n}"/>'))
        p.append(
            _element(
                f'<w:r><w:rPr>{fmt}</w:rPr><w:t xml:space="preserve">{escape(piece)}</w:t></w:r>'
            )
        )


def _wrap(el: etree._Element, sdt_xml: str) -> None:
    """Put ``el`` inside the sdtContent of a new content control at its place."""
    sdt = _element(sdt_xml)
    el.addprevious(sdt)
    _child(sdt, "w:sdtContent").append(el)


def _value_cell(doc: Document, label: str) -> etree._Element:
    """The cell right of the cell whose text is ``label``."""
    for tr in _body(doc).iter(qn("w:tr")):
        cells = tr.findall(qn("w:tc"))
        for left, right in itertools.pairwise(cells):
            if _text(left).strip() == label:
                return right
    raise LookupError(label)


def _ccer_rows(doc: Document) -> list[etree._Element]:
    """The rows whose first cell is 注销量."""
    return [tr for tr in _iter_rows(doc) if _first_cell_text(tr) == "注销量"]


def _iter_rows(doc: Document) -> Iterator[etree._Element]:
    """All rows of all tables."""
    yield from _body(doc).iter(qn("w:tr"))


def _first_cell_text(tr: etree._Element) -> str:
    """Text of a row's first cell."""
    tc = tr.find(qn("w:tc"))
    return _text(tc).strip() if tc is not None else ""


def _with_values(row: etree._Element, values: tuple[str, str]) -> etree._Element:
    """A copy of a CCER row with its two value cells set."""
    extra = copy.deepcopy(row)
    cells = extra.findall(qn("w:tc"))
    for tc, value in zip((cells[1], cells[3]), values, strict=True):
        p = _child(tc, "w:p")
        for other in tc.findall(qn("w:p"))[1:]:
            tc.remove(other)
        _replace_runs(p, [value] if value else [])
    return extra


def _props(tc: etree._Element) -> etree._Element:
    """A cell's tcPr, created if missing."""
    props = tc.find(qn("w:tcPr"))
    if props is None:
        props = _element("<w:tcPr/>")
        tc.insert(0, props)
    return props


def _append_complex_field(p: etree._Element, code: str, result: str) -> None:
    """A complex field: begin, code, separate, result, end."""
    for xml in (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r><w:instrText xml:space="preserve">{code}</w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r><w:t>{escape(result)}</w:t></w:r>",
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        p.append(_element(xml))


def _text_box_xml(content: str) -> str:
    """A paragraph anchoring a text box holding ``content`` (w:p elements)."""
    box = f"<w:txbxContent>{content}</w:txbxContent>"
    return (
        '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:inline><wp:extent cx="5400000" cy="3600000"/><wp:docPr id="501" name="文本框 1"/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/'
        f'wordprocessingShape"><wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr/><wps:txbx>{box}'
        "</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:inline>"
        "</w:drawing></mc:Choice><mc:Fallback><w:pict>"
        f'<v:shape style="width:425pt;height:283pt"><v:textbox>{box}</v:textbox></v:shape>'
        "</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )
