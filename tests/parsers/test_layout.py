"""Reading an Application out of FormText: labels, CCER rows, the 声明 and the date."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from intake.application import Source
from intake.parsers.layout import read_form
from intake.parsers.text import Cell, FormNotRecognized, FormText
from tests.fixtures.form_text import DECLARATION, cells, make_form


def test_reads_every_field_of_a_wrapped_pdf_layout() -> None:
    app = read_form(make_form())
    assert app.to_json() == {
        "year": 2022,
        "entity_name": "深圳热电有限责任公司",
        "uscc": "91440104MAWX8P55XQ",
        "ccer_account_id": "C5187911279",
        "ets_account_id": "163057267921",
        "due_allowance_t": "5412559",
        "offset_requested_t": "124500",
        "offset_ratio_pct": "2.30",
        "contact_name": "周明",
        "contact_phone": "15927208266",
        "contact_email": "zhou_ming@yeah.net",
        "ccer_rows": [
            {"cancel_quantity_t": "25800", "project_number": "1203"},
            {"cancel_quantity_t": "98700", "project_number": "CCER-1380-2015"},
        ],
        "declaration": {
            "province": "广东省",
            "offset_t": "124500",
            "ratio_pct": "2.30",
            "year": 2022,
        },
        "signed_date": "2023-09-06",
        "stamp_present": None,
    }


def test_keeps_where_each_value_was_read() -> None:
    app = read_form(make_form())
    assert app.sources["uscc"].where == "cell 3"
    assert app.sources["ccer_rows[1].project_number"].where == "cell 3"
    assert app.sources["declaration.province"].where == "line 4"
    assert app.sources["signed_date"].where == "line 9"


def test_half_filled_row_is_kept_with_a_blank() -> None:
    rows = make_form().rows
    form = make_form()
    form.rows = [*rows[:9], cells("注销量", "5000", "项目编号", " "), *rows[9:]]
    app = read_form(form)
    assert app.ccer_rows[-1].cancel_quantity_t == Decimal("5000")
    assert app.ccer_rows[-1].project_number is None


def test_label_and_value_in_one_cell() -> None:
    form = make_form()
    form.rows[4] = cells("CCER抵销量占应清缴配额比例（%）", "2.30", "联系人：周明")
    assert read_form(form).contact_name == "周明"


def test_ccer_table_with_one_header_row() -> None:
    form = make_form()
    form.rows[7:10] = [cells("注销量", "项目编号"), cells("25800", "1203"), cells("98700", "0127")]
    app = read_form(form)
    assert [(r.cancel_quantity_t, r.project_number) for r in app.ccer_rows] == [
        (Decimal("25800"), "1203"),
        (Decimal("98700"), "0127"),
    ]


def test_template_blanks_read_as_blank() -> None:
    lines = [
        "2021 年全国碳市场重点排放单位 使用 CCER 抵销配额清缴申请表",
        "声 明",
        "XXX 省（自治区、直辖市、新疆生产建设兵团）生态环境厅（局）：",
        "我单位申请使用国家核证自愿减排量（CCER）_____tCO₂e，用于 2021 年全国碳市场抵销配额清缴，"
        "抵销比例占我单位 2021 年应清缴配额量的_____%。",
        "申请单位名称（公章）",
        "年 月 日",
    ]
    app = read_form(make_form(lines=lines))
    assert app.year == 2021
    decl = app.declaration
    assert (decl.province, decl.offset_t, decl.ratio_pct, decl.year) == (None, None, None, 2021)
    assert app.signed_date is None


def test_chinese_numeral_date_and_year() -> None:
    lines = [*DECLARATION[:-1], "二〇二三年十一月二十日"]
    lines[2] = lines[2].replace("2022", "二〇二二")
    app = read_form(make_form(lines=["2022年全国碳市场重点排放单位", *lines]))
    assert app.signed_date == dt.date(2023, 11, 20)
    assert app.declaration.year == 2022


def test_year_from_the_allowance_label_when_the_title_is_missing() -> None:
    assert read_form(make_form(lines=DECLARATION)).year == 2022


def test_a_notice_that_mentions_ccer_is_not_the_form() -> None:
    form = make_form(
        rows=[],
        lines=[
            "关于开展2023年度碳排放数据质量监督检查的通知",
            "涉及使用CCER抵销配额清缴的，请另行办理。",
        ],
    )
    with pytest.raises(FormNotRecognized):
        read_form(form)


def test_declaration_printed_inside_the_table() -> None:
    form = make_form(lines=["附表2", "2022年全国碳市场重点排放单位使用CCER抵销配额清缴申请表"])
    form.rows.append(cells("\n".join(DECLARATION)))
    app = read_form(form)
    assert app.declaration.province == "广东省"
    assert app.declaration.offset_t == Decimal("124500")
    assert app.signed_date == dt.date(2023, 9, 6)


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("申请抵销量（tCO₂e）", "offset_requested_t"),
        ("2022年度应清缴配额量（吨二氧化碳当量）", "due_allowance_t"),
        ("联系人：", "contact_name"),
        ("电子邮箱", "contact_email"),
    ],
)
def test_label_wordings_seen_on_real_forms(label: str, field: str) -> None:
    from intake.parsers.layout import match_label

    found = match_label(label)
    assert found is not None
    assert found[0].field == field


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("2022年应清缴配额\n量：吨", "due_allowance_t"),
        ("申请抵销量吨：", "offset_requested_t"),
        ("申请抵销量:t", "offset_requested_t"),
        ("申请抵销量·吨：", "offset_requested_t"),
    ],
)
def test_unit_whose_brackets_the_scan_lost_still_marks_the_label(label: str, field: str) -> None:
    form = make_form()
    row = form.rows[3]
    index = 0 if field == "due_allowance_t" else 2
    row[index] = Cell(label, row[index].source)
    app = read_form(form)
    assert getattr(app, field) == Decimal("5412559" if index == 0 else "124500")


def test_a_value_after_a_colon_is_not_taken_for_a_unit() -> None:
    form = make_form()
    form.rows[7] = cells("注销量：25800吨", "", "项目编号", "1203")
    assert read_form(form).ccer_rows[0].cancel_quantity_t == Decimal("25800")


def _ocr_lines(texts: list[str]) -> list[Cell]:
    return [
        Cell(t, Source(where=f"第1页 第{i}行", page=1, confidence=0.98))
        for i, t in enumerate(texts)
    ]


@pytest.mark.parametrize("ending", ["1.67，。", "1.67°。", "1.67"])
def test_declared_ratio_read_without_its_percent_sign_is_kept_but_unsure(ending: str) -> None:
    lines = [*DECLARATION]
    lines[3] = f"碳市场抵销配额清缴，抵销比例占我单位2022年应清缴配额量的{ending}"
    form = make_form(lines=lines)
    form.lines = _ocr_lines(lines)
    app = read_form(form)
    assert app.declaration.ratio_pct == Decimal("1.67")
    assert (app.sources["declaration.ratio_pct"].confidence or 1) < 0.80


def test_declared_ratio_with_its_percent_sign_keeps_its_confidence() -> None:
    form = make_form()
    form.lines = _ocr_lines([c.text for c in form.lines])
    app = read_form(form)
    assert app.declaration.ratio_pct == Decimal("2.30")
    assert app.sources["declaration.ratio_pct"].confidence == pytest.approx(0.98)


@pytest.mark.parametrize(
    "signature", ["申请单住名称（公）", "申请单住名称「公员）", "申请单位名称（公章）", "盖章："]
)
def test_signature_line_with_a_character_lost_under_the_seal_gives_the_date(
    signature: str,
) -> None:
    lines = [*DECLARATION]
    lines[5] = signature
    assert str(read_form(make_form(lines=lines)).signed_date) == "2023-09-06"


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("全国碳据放权注册\n登记系统账户ID", "ets_account_id"),
        ("自愿减据注册登记系统账户1D", "ccer_account_id"),
        ("统一社会信用代吗", "uscc"),
        ("申请抵消量（吨）", "offset_requested_t"),
    ],
)
def test_a_long_label_with_one_character_misread_still_marks_its_value(
    label: str, field: str
) -> None:
    from intake.parsers.layout import match_label

    found = match_label(label)
    assert found is not None
    assert found[0].field == field


@pytest.mark.parametrize(
    "text",
    [
        "申请单位基本信息",
        "申请配额清缴的CCER基本信息",
        "全国碳市场重点排放单位",
        "大唐嘉兴化工有限公司",
    ],
)
def test_headings_and_values_are_not_taken_for_misread_labels(text: str) -> None:
    from intake.parsers.layout import match_label

    assert match_label(text) is None


def test_a_date_line_gives_the_date_when_the_seal_hid_the_signature_line() -> None:
    lines = [line for line in DECLARATION if "公章" not in line]
    app = read_form(make_form(lines=lines))
    assert app.signed_date == dt.date(2023, 9, 6)
    assert app.sources["signed_date"].where == "line 5"  # the date line, 0-based


def sure_lines(lines: list[str]) -> FormText:
    """The form with these lines, each read at 0.99."""
    form = make_form(lines=lines)
    form.lines = [Cell(c.text, replace(c.source, confidence=0.99)) for c in form.lines]
    return form


@pytest.mark.parametrize(
    ("written", "day"), [("2023 年 9 月 6", 6), ("2023年9月6F", 6), ("2023年9月16", 16)]
)
def test_a_date_whose_day_sign_the_seal_took_is_read_but_doubted(written: str, day: int) -> None:
    for lines in (
        [*DECLARATION[:-1], written],
        [line for line in DECLARATION[:-1] if "公章" not in line] + [written],
    ):
        app = read_form(sure_lines(lines))
        assert app.signed_date == dt.date(2023, 9, day)
        assert app.sources["signed_date"].confidence == 0.79


def test_a_date_with_its_day_sign_keeps_its_confidence() -> None:
    app = read_form(sure_lines(DECLARATION))
    assert app.signed_date == dt.date(2023, 9, 6)
    assert app.sources["signed_date"].confidence == 0.99
