"""Fill the official blank 申请表 of the application's compliance cycle from an Application.

The blank templates shipped in ``templates/`` hold every printed word of the
form; this module writes values into them: the table's value cells, the extra
CCER rows an application may need, and the blanks of the 声明. The annex, the title
and the year the form prints are the cycle's (``intake.cycles``), so a configured
cycle may use the blank of an earlier year with the same layout.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import re
from decimal import Decimal
from importlib import resources
from pathlib import Path
from unicodedata import east_asian_width

import docx
from docx.document import Document
from docx.shared import Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from intake.application import Application, CcerRow, Quantity
from intake.cycles import Cycle, Cycles, load_cycles
from intake.values import without_control_characters

ANNEX_PARAGRAPH, TITLE_PARAGRAPH = 0, 1  # the blank's first two paragraphs
DUE_LABEL_CELL = (3, 0)  # "<year>年应清缴配额量(吨)"

# Value cells of the basic-information block, as (table row, column) of the template.
FIELD_CELLS: dict[tuple[int, int], str] = {
    (1, 1): "entity_name",
    (1, 3): "uscc",
    (2, 1): "ccer_account_id",
    (2, 3): "ets_account_id",
    (3, 1): "due_allowance_t",
    (3, 3): "offset_requested_t",
    (4, 1): "offset_ratio_pct",
    (4, 3): "contact_name",
    (5, 1): "contact_phone",
    (5, 3): "contact_email",
}
FIRST_CCER_ROW = 7  # after the 申请配额清缴的CCER基本信息 heading; the note row closes the table
CCER_QUANTITY_COL, CCER_NUMBER_COL = 1, 3
VALUE_SIZE = 10.5  # points: 五号, as typed into the official form
MIN_VALUE_SIZE = 8.0  # smaller than this a long value wraps instead of shrinking
CELL_PADDING = 2 * 5.4  # points: Word's default left and right cell margins
NARROW_EM = 0.6  # width of a Latin letter or digit, in ems of the font size

# The 声明's wording that depends on the values.
DEPARTMENT = "生态环境厅"
BUREAU = "生态环境局"  # municipalities and the 兵团 have a 局, not a 厅
BUREAU_UNITS = frozenset({"北京市", "天津市", "上海市", "重庆市", "新疆生产建设兵团"})
ADDRESSEE = "{province}{department}："
DATE = "{d.year}年{d.month}月{d.day}日"
BLANK_MARK = "_"  # the template's blanks are runs of underscores
BLANK_PAD = "  "  # a filled blank reads "  24200  ", underlined
UNSUPPORTED_YEAR = "无法生成申请表：年度必须为 {years}（当前为 {year}）"
_YEAR = re.compile(r"(?<!\d)(\d{4})(?=\s*年)")


def render_docx(app: Application, cycles: Cycles | None = None) -> bytes:
    """The filled official form for ``app`` as a .docx file's bytes (of the built-in
    cycles unless ``cycles`` are given)."""
    cycle = cycle_of(app.year, cycles or load_cycles())
    document = load_template(cycle)
    fill_table(document.tables[0], app)
    fill_declaration(document, app)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def cycle_of(year: object, cycles: Cycles) -> Cycle:
    """The cycle of the form's year; ValueError (with the Chinese reason) for another year."""
    cycle = cycles.get(year)
    if cycle is None:
        raise ValueError(UNSUPPORTED_YEAR.format(years=cycles.years_text(), year=year))
    return cycle


def load_template(cycle: Cycle) -> Document:
    """The blank official form of the cycle, its annex, title and year made the cycle's."""
    template = Path(cycle.template)
    if template.is_absolute():
        data = template.read_bytes()
    else:
        data = (resources.files("intake.render") / "templates" / cycle.template).read_bytes()
    document = docx.Document(io.BytesIO(data))
    paragraphs = document.paragraphs
    set_text(paragraphs[ANNEX_PARAGRAPH], cycle.annex)
    title_runs = [run for run in paragraphs[TITLE_PARAGRAPH].runs if run.text != "\n"]
    lines = [*cycle.title_lines, *[""] * len(title_runs)]
    for run, line in zip(title_runs, lines, strict=False):
        run.text = line
    printed = _printed_year(document)
    if printed is not None and printed != cycle.year:
        _replace_year(document, printed, cycle.year)
    return document


def _printed_year(document: Document) -> int | None:
    """The year the blank prints in its 应清缴配额量 label."""
    row, col = DUE_LABEL_CELL
    match = _YEAR.search(document.tables[0].rows[row].cells[col].text)
    return int(match.group(1)) if match else None


def _replace_year(document: Document, printed: int, year: int) -> None:
    """The blank's year made the cycle's: in the table's label and the 声明 sentence
    (the procedure's name in the 声明's second sentence stays as printed)."""
    row, col = DUE_LABEL_CELL
    cells = [document.tables[0].rows[row].cells[col].paragraphs[0]]
    sentence = sentence_index(document.paragraphs)
    for paragraph in [*cells, document.paragraphs[sentence]]:
        for run in paragraph.runs:
            run.text = run.text.replace(f"{printed}年", f"{year}年")


def show(value: object) -> str:
    """A value as printed on the form: Decimals plainly, dates in Chinese, None blank."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return DATE.format(d=value)
    return without_control_characters(str(value))  # stored before the input was checked


def fill_table(table: Table, app: Application) -> None:
    """Write the basic information and the CCER rows into the form's table."""
    for (row, col), name in FIELD_CELLS.items():
        write_cell(table.rows[row].cells[col], show(getattr(app, name)))
    for ccer_row, ccer in zip(ccer_rows(table, len(app.ccer_rows)), app.ccer_rows, strict=False):
        fill_ccer_row(ccer_row, ccer)


def ccer_rows(table: Table, wanted: int) -> list[_Row]:
    """The 注销量/项目编号 rows, with copies of the last one added until there are ``wanted``."""
    rows = list(table.rows)[FIRST_CCER_ROW:-1]
    last = rows[-1]
    for _ in range(wanted - len(rows)):
        clone = copy.deepcopy(last._tr)
        last._tr.addnext(clone)
        last = _Row(clone, table)
        for col in (CCER_QUANTITY_COL, CCER_NUMBER_COL):
            write_cell(last.cells[col], "")
        rows.append(last)
    return rows


def fill_ccer_row(row: _Row, ccer: CcerRow) -> None:
    """One CCER row's 注销量 and 项目编号."""
    write_cell(row.cells[CCER_QUANTITY_COL], show(ccer.cancel_quantity_t))
    write_cell(row.cells[CCER_NUMBER_COL], show(ccer.project_number))


def write_cell(cell: _Cell, text: str) -> None:
    """Replace a value cell's text, keeping its first paragraph's formatting."""
    first = cell.paragraphs[0]
    for extra in cell.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    for run in first.runs:
        run._r.getparent().remove(run._r)
    text = without_control_characters(text)
    if text:
        width = cell.width.pt - CELL_PADDING if cell.width is not None else None
        first.add_run(text).font.size = Pt(fitting_size(text, width))


def fitting_size(text: str, width: float | None) -> float:
    """The font size (points) that keeps ``text`` on one line of ``width`` points, within limits.

    A long value is shrunk a little rather than wrapped, as a person filling the
    form would do; one that still does not fit wraps at the smallest size.
    """
    if width is None:
        return VALUE_SIZE
    ems = sum(1.0 if east_asian_width(ch) in "WF" else NARROW_EM for ch in text)
    size = math.floor(2 * width / ems) / 2 if ems else VALUE_SIZE
    return min(VALUE_SIZE, max(MIN_VALUE_SIZE, size))


def fill_declaration(document: Document, app: Application) -> None:
    """The 声明: addressee, the two blanks and the year of its sentence, and the date."""
    paragraphs = document.paragraphs
    index = sentence_index(paragraphs)
    set_text(addressee_paragraph(paragraphs, index), addressee(app.declaration.province))
    fill_sentence(paragraphs[index], app)
    if app.signed_date is not None:
        set_text(date_paragraph(paragraphs), show(app.signed_date))


def sentence_index(paragraphs: list[Paragraph]) -> int:
    """The 声明 sentence: the paragraph whose blanks are runs of underscores."""
    for i, paragraph in enumerate(paragraphs):
        if sum(is_blank(run.text) for run in paragraph.runs) == 2:
            return i
    raise ValueError("template has no 声明 sentence with two blanks")


def is_blank(text: str) -> bool:
    """True for a template blank (``________``)."""
    return bool(text) and set(text) == {BLANK_MARK}


def addressee_paragraph(paragraphs: list[Paragraph], sentence: int) -> Paragraph:
    """The addressee line: the last paragraph with text before the sentence."""
    return next(p for p in reversed(paragraphs[:sentence]) if p.text.strip())


def date_paragraph(paragraphs: list[Paragraph]) -> Paragraph:
    """The date under 申请单位名称（公章）: the document's last paragraph with text."""
    return next(p for p in reversed(paragraphs) if p.text.strip())


def addressee(province: str | None) -> str | None:
    """``{province}生态环境厅：`` (or 局); None keeps the template's ``XXX省…`` line."""
    if province is None:
        return None
    department = BUREAU if province in BUREAU_UNITS else DEPARTMENT
    return ADDRESSEE.format(province=province, department=department)


def set_text(paragraph: Paragraph, text: str | None) -> None:
    """Put ``text`` in the paragraph's first run and drop the others; None leaves it."""
    if text is None:
        return
    runs = paragraph.runs
    runs[0].text = without_control_characters(text)
    for run in runs[1:]:
        parent = run._r.getparent()
        if parent is not None:
            parent.remove(run._r)


def fill_sentence(paragraph: Paragraph, app: Application) -> None:
    """The 声明 sentence: its two years, then the tCO₂e and % blanks as underlined runs."""
    blanks = [run for run in paragraph.runs if is_blank(run.text)]
    template_year = f"{app.year}年"
    written_year = f"{show(app.declaration.year) or BLANK_MARK * 4}年"
    for run in paragraph.runs:
        run.text = run.text.replace(template_year, written_year)
    values = (app.declaration.offset_t, app.declaration.ratio_pct)
    for run, value in zip(blanks, values, strict=True):
        fill_blank(run, value)


def fill_blank(run: Run, value: Quantity) -> None:
    """A filled blank is the value padded with spaces and underlined; None stays ``____``."""
    if value is None:
        return
    run.text = f"{BLANK_PAD}{show(value)}{BLANK_PAD}"
    run.underline = True
