"""Reading PDFs with a text layer into FormText: samples, other generators, bad files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from intake.parsers.pdf import (
    is_broken_glyph,
    page_count,
    read_pdf,
    read_pdf_pages,
    text_is_garbled,
)
from intake.parsers.text import FileUnreadable, FormText, NeedsOcr
from tests.fixtures import pdf_variants as variants
from tests.fixtures.data import EXPECTED, FORMS

# Label (whitespace removed) -> field of the expected JSON, for both years' wording.
LABELS = {
    "单位名称": "entity_name",
    "统一社会信用代码": "uscc",
    "自愿减排注册登记系统账户ID": "ccer_account_id",
    "全国碳排放权注册登记系统账户ID": "ets_account_id",
    "联系人": "contact_name",
    "联系电话": "contact_phone",
    "联系邮箱": "contact_email",
}


def squash(text: str) -> str:
    """Text without whitespace, as the layout reader compares labels."""
    return re.sub(r"\s+", "", text)


def pairs(form: FormText) -> dict[str, str]:
    """Label -> value for rows laid out as label, value, label, value."""
    out: dict[str, str] = {}
    for row in form.rows:
        if len(row) in (2, 4) and not squash(row[0].text).startswith("注销量"):
            for label, value in zip(row[::2], row[1::2], strict=True):
                out[squash(label.text)] = value.text
    return out


def ccer_rows(form: FormText) -> list[tuple[str, str]]:
    """The (注销量, 项目编号) values of the filled CCER rows."""
    rows = [
        (row[1].text, row[3].text)
        for row in form.rows
        if len(row) == 4 and squash(row[0].text) == "注销量"
    ]
    return [row for row in rows if any(row)]


def expected(name: str) -> dict[str, Any]:
    """The expected application of a sample."""
    data: dict[str, Any] = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    application: dict[str, Any] = data["application"]
    return application


def assert_reads_like(form: FormText, app: dict[str, Any]) -> None:
    """The form's label/value pairs and CCER rows are those of the expected application."""
    found = pairs(form)
    for label, key in LABELS.items():
        assert found[label] == app[key], label
    assert ccer_rows(form) == [
        (r["cancel_quantity_t"], r["project_number"]) for r in app["ccer_rows"]
    ]


# ---------------------------------------------------------------- samples


@pytest.mark.parametrize("name", ["v06", "v07", "v08"])
def test_sample_pairs_match_expected(name: str) -> None:
    form = read_pdf(FORMS / f"{name}.pdf")
    assert form.kind == "pdf"
    assert form.stamp_present is None
    assert_reads_like(form, expected(name))


def test_v06_rows_keep_distinct_cells_and_wrapped_labels() -> None:
    form = read_pdf(FORMS / "v06.pdf")
    rows = [[squash(c.text) for c in row] for row in form.rows]
    assert rows[0] == ["申请单位基本信息"]
    assert rows[1] == ["单位名称", "深圳热电有限责任公司", "统一社会信用代码", "91440104MAWX8P55XQ"]
    assert rows[2][0] == "自愿减排注册登记系统账户ID"
    assert rows[4][0] == "CCER抵销量占应清缴配额比例（%）"
    assert len(rows) == 11
    # The wrapped label keeps its pieces in reading order, one per line.
    assert form.rows[2][0].text.split("\n") == ["自愿减排注册登记", "系统账户ID"]


def test_v06_sources_name_page_row_column_and_box() -> None:
    form = read_pdf(FORMS / "v06.pdf")
    cell = form.rows[1][3]
    assert cell.source.where == "第1页 表格第2行第4列"
    assert cell.source.page == 1
    assert cell.source.box is not None
    x0, top, x1, bottom = cell.source.box
    assert 0 < x0 < x1 <= 596
    assert 0 < top < bottom <= 842
    lefts = [c.source.box[0] for c in form.rows[1] if c.source.box]
    assert len(lefts) == 4
    assert lefts == sorted(lefts)


def test_v06_lines_are_text_outside_table_in_reading_order() -> None:
    form = read_pdf(FORMS / "v06.pdf")
    lines = [squash(line.text) for line in form.lines]
    assert lines[:3] == ["附表2", "2022年全国碳市场重点排放单位", "使用CCER抵销配额清缴申请表"]
    assert lines.index("广东省生态环境厅：") < lines.index("申请单位名称（公章）")
    assert lines[-1] == "2023年9月6日"
    declaration = [line for line in lines if "tCO₂e" in line]
    assert declaration == ["我单位申请使用国家核证自愿减排量（CCER）124500tCO₂e，用于2022年全国"]
    assert not any(line == "单位名称" or "注销量" in line for line in lines)
    assert form.lines[0].source.where == "第1页 第1行"
    tops = [line.source.box[1] for line in form.lines if line.source.box]
    assert tops == sorted(tops)


def test_lines_space_latin_but_not_chinese() -> None:
    form = read_pdf(FORMS / "v06.pdf")
    texts = [line.text for line in form.lines]
    assert "我单位申请使用国家核证自愿减排量（CCER） 124500 tCO₂e，用于2022年全国" in texts
    assert "广东省生态环境厅：" in texts


def test_v08_blank_cells_are_kept_empty() -> None:
    form = read_pdf(FORMS / "v08.pdf")
    blank = [row for row in form.rows if len(row) == 4 and row[1].text == ""]
    assert [squash(c.text) for c in blank[0]] == ["注销量", "", "项目编号", ""]


def test_scanned_sample_needs_ocr() -> None:
    with pytest.raises(NeedsOcr, match="第1页"):
        read_pdf(FORMS / "v09.pdf")
    assert read_pdf_pages(FORMS / "v09.pdf") == [None]
    assert page_count(FORMS / "v09.pdf") == 1


def test_truncated_sample_is_unreadable() -> None:
    with pytest.raises(FileUnreadable, match="已损坏或不完整"):
        read_pdf(FORMS / "v13.pdf")
    with pytest.raises(FileUnreadable, match="已损坏或不完整"):
        page_count(FORMS / "v13.pdf")


# ---------------------------------------------------------------- other generators


def reportlab_expected() -> dict[str, str]:
    """Label -> value of the hand-drawn forms."""
    return {squash(label): value for label, value in variants.FIELDS}


@pytest.mark.parametrize("rules", ["grid", "bars", "horizontal", "none"])
def test_reportlab_forms_read_pairs(rules: str, tmp_path: Path) -> None:
    form = read_pdf(variants.reportlab_form(tmp_path / f"{rules}.pdf", rules))
    assert pairs(form) == reportlab_expected()
    assert ccer_rows(form) == variants.CCER_ROWS
    # The table continues on page 2: its rows follow page 1's.
    pages = [row[0].source.page or 0 for row in form.rows]
    assert pages == sorted(pages)
    assert set(pages) == {1, 2}
    lines = [squash(line.text) for line in form.lines]
    assert "广东省生态环境厅：" in lines
    assert lines[-2:] == ["申请单位名称（公章）", "2023年9月6日"]


def test_reportlab_wrapped_labels_come_out_whole(tmp_path: Path) -> None:
    form = read_pdf(variants.reportlab_form(tmp_path / "h.pdf", "horizontal"))
    cell = form.rows[2][0]
    assert cell.text.split("\n") == ["自愿减排注册", "登记系统账户", "ID"]
    assert cell.source.where == "第1页 表格第3行第1列"


def test_read_pdf_pages_gives_one_form_per_page(tmp_path: Path) -> None:
    pages = read_pdf_pages(variants.reportlab_form(tmp_path / "g.pdf", "grid"))
    assert len(pages) == 2
    assert all(page is not None and page.kind == "pdf" for page in pages)
    assert pages[1] is not None
    assert squash(pages[1].rows[0][0].text) == "申请配额清缴的CCER基本信息"


@pytest.fixture(scope="module")
def libreoffice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for LibreOffice conversions; skips when LibreOffice is not installed."""
    if variants.soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return tmp_path_factory.mktemp("libreoffice")


@pytest.mark.slow
def test_libreoffice_pdf_of_docx(libreoffice_dir: Path) -> None:
    form = read_pdf(variants.libreoffice_pdf(FORMS / "v01.docx", libreoffice_dir))
    assert_reads_like(form, expected("v01"))
    assert squash(form.rows[3][0].text) == "2021年应清缴配额量(吨)"


@pytest.mark.slow
def test_libreoffice_pdf_without_borders(libreoffice_dir: Path) -> None:
    source = variants.borderless_docx(FORMS / "v01.docx", libreoffice_dir / "borderless.docx")
    pdf = variants.libreoffice_pdf(source, libreoffice_dir)
    assert draws_no_rules(pdf)
    form = read_pdf(pdf)
    assert_reads_like(form, expected("v01"))
    labels = [squash(row[0].text) for row in form.rows]
    assert "CCER抵销量占应清缴配额量比例(%)" in labels


def draws_no_rules(path: Path) -> bool:
    """True when a PDF draws no table rules (underlines aside): the text fallback reads it."""
    with pdfplumber.open(path) as pdf:
        return not any(
            edge["orientation"] == "v" or edge["width"] > 0.3 * page.width
            for page in pdf.pages
            for edge in page.edges
        )


# ---------------------------------------------------------------- unusable text layers


def test_image_only_pdf_needs_ocr(tmp_path: Path) -> None:
    with pytest.raises(NeedsOcr):
        read_pdf(variants.scan_pdf(tmp_path / "scan.pdf"))


def test_mixed_pdf_marks_the_scanned_page(tmp_path: Path) -> None:
    path = variants.scan_pdf(tmp_path / "mixed.pdf", ["text", "image"])
    pages = read_pdf_pages(path)
    assert pages[1] is None
    assert pages[0] is not None
    assert "广东省生态环境厅：" in [line.text for line in pages[0].lines]
    with pytest.raises(NeedsOcr, match="第2页"):
        read_pdf(path)


def test_page_with_little_text_and_no_image_is_not_a_scan(tmp_path: Path) -> None:
    form = read_pdf(variants.many_pages_pdf(tmp_path / "one.pdf", 1))
    assert [line.text for line in form.lines] == ["第1页申请表附件"]


def test_empty_page_is_not_a_scan(tmp_path: Path) -> None:
    form = read_pdf(variants.blank_pdf(tmp_path / "blank.pdf"))
    assert form.rows == []
    assert form.lines == []


def test_unmapped_cid_font_needs_ocr(tmp_path: Path) -> None:
    with pytest.raises(NeedsOcr):
        read_pdf(variants.cid_font_pdf(tmp_path / "cid.pdf"))


def test_mojibake_needs_ocr(tmp_path: Path) -> None:
    with pytest.raises(NeedsOcr):
        read_pdf(variants.mojibake_pdf(tmp_path / "moji.pdf"))


def test_detector_on_synthesized_characters() -> None:
    chinese = list("我单位申请使用国家核证自愿减排量用于全国碳市场抵销配额清缴")
    assert not text_is_garbled(chinese)
    assert not text_is_garbled([*chinese, "(cid:12)"])  # one stray glyph is tolerated
    assert text_is_garbled([*chinese[:18], "(cid:3)", "(cid:77)"])  # 10% broken
    assert text_is_garbled(chinese[:10] + ["\ue01a"] * 2)  # private use
    assert text_is_garbled(list("µ¥Î»Ãû³Æ ÉîÛÚÈÈµçÓÐÏÞÔðÈÎ¹«Ë¾"))  # GBK read as Latin-1
    assert text_is_garbled(list("!\"#$%&'()*+,-./0123456789:;"))  # subset codes
    assert not text_is_garbled(list("2023"))  # too few to judge the script
    assert is_broken_glyph("(cid:1)")
    assert is_broken_glyph("\x03")
    assert not is_broken_glyph("₂")


# ---------------------------------------------------------------- bad files


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(FileUnreadable, match="文件为空"):
        read_pdf(path)


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        (b"<!DOCTYPE html>\n<html><body>login</body></html>", "网页（HTML）"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG 图片"),
        (b"\xff\xd8\xff\xe0" + bytes(64), "JPEG 图片"),
        (b"just some notes\n", "纯文本"),
    ],
)
def test_not_a_pdf_says_what_it_looks_like(content: bytes, looks_like: str, tmp_path: Path) -> None:
    path = tmp_path / "form.pdf"
    path.write_bytes(content)
    with pytest.raises(FileUnreadable, match="文件不是 PDF") as caught:
        read_pdf(path)
    assert looks_like in caught.value.message


def test_docx_renamed_to_pdf(tmp_path: Path) -> None:
    path = tmp_path / "form.pdf"
    shutil.copyfile(FORMS / "v01.docx", path)
    with pytest.raises(FileUnreadable, match="Word"):
        read_pdf(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileUnreadable, match="无法打开"):
        read_pdf(tmp_path / "nothing.pdf")


def test_corrupt_body_after_header(tmp_path: Path) -> None:
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    with pytest.raises(FileUnreadable):
        read_pdf(path)


def test_too_many_pages(tmp_path: Path) -> None:
    path = variants.many_pages_pdf(tmp_path / "long.pdf", 21)
    with pytest.raises(FileUnreadable, match="页数过多（21 页），申请表应为 1–3 页"):
        read_pdf(path)
    assert page_count(path) == 21


def test_twenty_pages_are_still_read(tmp_path: Path) -> None:
    path = variants.many_pages_pdf(tmp_path / "twenty.pdf", 20)
    assert len(read_pdf_pages(path)) == 20


def test_user_password_is_refused(tmp_path: Path) -> None:
    source = variants.reportlab_form(tmp_path / "plain.pdf", "grid")
    path = variants.encrypted_pdf(source, tmp_path / "locked.pdf", "secret", "owner")
    with pytest.raises(FileUnreadable) as caught:
        read_pdf(path)
    assert caught.value.message == "文件已加密（设置了打开密码），请去除密码后重新上传"


def test_owner_password_only_opens(tmp_path: Path) -> None:
    source = variants.reportlab_form(tmp_path / "plain.pdf", "grid")
    path = variants.encrypted_pdf(source, tmp_path / "restricted.pdf", "", "owner")
    assert pairs(read_pdf(path)) == reportlab_expected()
