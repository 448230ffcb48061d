"""The letter of a decision as an official-looking Word document, and its PDF.

Laid out like a provincial department's letter: title, reference number, addressee,
the body naming the procedure, every reason at once in a table (field, matter, ground),
the signing department and the date. PDFs are converted once per decision and kept
(a decision never changes), so a second download is instant.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any, TypeVar, cast

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from intake.render.pdf import docx_to_pdf
from intake.review.decisions.letters import PROCEDURE, Letter
from intake.values import without_control_characters

T = TypeVar("T")

FONT = "Noto Serif CJK SC"
TITLE_FONT = "Noto Sans CJK SC"


def printable(value: T) -> T:
    """``value`` (a letter, its reasons, rows) with every text stripped of the control
    characters Word cannot hold: notes written before input was checked may carry them."""
    return cast(T, _printable(value))


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return without_control_characters(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _printable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, list | tuple):
        return type(value)(_printable(item) for item in value)
    return value


def notice_docx(letter: Letter, *, deadline_text: str = "") -> bytes:
    """The letter as a .docx file's bytes."""
    letter = printable(letter)
    document = docx.Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    _title(document.add_paragraph(), letter.title)
    reference = document.add_paragraph(f"编号：{letter.reference}")
    reference.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(f"{letter.entity_name}（统一社会信用代码：{letter.uscc}）：")
    if letter.approved:
        _approval(document, letter)
    else:
        _rejection(document, letter, deadline_text)
    if letter.comment:
        _body(document.add_paragraph(), f"审核说明：{letter.comment}")
    document.add_paragraph()
    _right(document.add_paragraph(), letter.authority)
    day = letter.decided_on
    _right(document.add_paragraph(), f"{day.year}年{day.month}月{day.day}日")
    _right(document.add_paragraph(), "（盖章）")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rejection(document: docx.document.Document, letter: Letter, deadline_text: str) -> None:
    _body(
        document.add_paragraph(),
        f"你单位提交的《{letter.year} 年全国碳市场重点排放单位使用 CCER 抵销配额清缴申请表》"
        f"（申请编号 {letter.submission_id}，第 {letter.version} 版）经{letter.we}审核，"
        f"不符合使用 CCER 抵销配额清缴的条件。根据{PROCEDURE}第四步，"
        f"现将不符合的相关事项一次性告知如下（共 {len(letter.reasons)} 项）：",
    )
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("序号", "栏目", "不符合事项", "依据"), strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for number, reason in enumerate(letter.reasons, start=1):
        cells = table.add_row().cells
        kind = "" if reason.severity == "error" else "（提示）"
        for cell, text in zip(
            cells, (str(number), reason.field, reason.message + kind, reason.clause), strict=True
        ):
            cell.text = text
    table.autofit = False
    widths = (Cm(1.3), Cm(3.2), Cm(6.6), Cm(4.5))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for width, cell in zip(widths, row.cells, strict=True):
            cell.width = width
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(10.5)
    later = f"，并于{deadline_text}前" if deadline_text else "，并"
    _body(
        document.add_paragraph(),
        f"请你单位根据上述意见逐项修改后重新发起申请{later}向{letter.we}重新提交。",
    )


def _approval(document: docx.document.Document, letter: Letter) -> None:
    offset = format(letter.offset_t, "f") if letter.offset_t is not None else "—"
    _body(
        document.add_paragraph(),
        f"你单位提交的《{letter.year} 年全国碳市场重点排放单位使用 CCER 抵销配额清缴申请表》"
        f"（申请编号 {letter.submission_id}，第 {letter.version} 版）经{letter.we}审核，"
        f"符合使用 CCER 抵销配额清缴的条件，予以确认。你单位使用 CCER {offset} tCO₂e "
        f"抵销 {letter.year} 年度配额清缴，已完成抵销登记（登记编号 {letter.registration}）。",
    )
    if letter.rows:
        table = document.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        table.rows[0].cells[0].text, table.rows[0].cells[1].text = "项目编号", "注销量（tCO₂e）"
        for project, quantity in letter.rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = project, quantity
    _body(
        document.add_paragraph(),
        "你单位可在全国碳排放权注册登记系统查询抵销配额清缴登记信息，"
        "在自愿减排注册登记系统查询相应 CCER 的注销情况（程序第五步）。",
    )


def _title(paragraph: Paragraph, text: str) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(22)
    run.font.name = TITLE_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), TITLE_FONT)


def _body(paragraph: Paragraph, text: str) -> None:
    paragraph.paragraph_format.first_line_indent = Pt(28)
    paragraph.paragraph_format.line_spacing = 1.5
    paragraph.add_run(text)


def _right(paragraph: Paragraph, text: str) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.add_run(text)


def cached_pdf(data: bytes, cache: Path, key: str) -> bytes:
    """The PDF of a .docx, converted once and kept under ``cache`` by ``key``."""
    target = cache / f"{key}.pdf"
    if target.exists():
        return target.read_bytes()
    pdf = docx_to_pdf(data)
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(pdf)
    partial.replace(target)
    return pdf
