"""The helpers behind the files offices produce: radicals, 万 and 吨, headers, footers, hidden text."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.application import Source
from intake.parsers.hiddentext import DISAGREEMENT_CONFIDENCE, reconcile
from intake.parsers.layout import read_form
from intake.parsers.normalize import parse_email
from intake.parsers.pdflines import is_ideograph, is_page_furniture
from intake.parsers.text import Cell, FormText
from intake.values import _RADICALS_SUPPLEMENT, clean_text, fold_radicals, parse_quantity
from tests.fixtures.form_text import cells, make_form


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.9万", "19000"),
        ("2.83 万", "28300"),
        ("11.29万", "112900"),
        ("1.9万吨", "19000"),
        ("28,300 吨", "28300"),
        ("28,300吨", "28300"),
        ("28,300 t", "28300"),
        ("1.23456万", "12345.6"),
    ],
)
def test_quantities_as_enterprises_type_them(text: str, expected: str) -> None:
    value = parse_quantity(text)
    assert isinstance(value, Decimal)
    assert format(value, "f") == expected


@given(st.integers(min_value=1, max_value=10**8), st.integers(min_value=0, max_value=4))
def test_wan_is_exact(units: int, places: int) -> None:
    number = Decimal(units).scaleb(-places)
    assert parse_quantity(f"{number}万") == number * 10000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("⼴东省", "广东省"),
        ("2023年11⽉20⽇", "2023年11月20日"),
        ("⼤唐⻓⻛电⼒", "大唐长风电力"),
        ("⾃愿减排注册登记系统账⼾ID", "自愿减排注册登记系统账户ID"),
        ("⻋⻔⻢⻥⻦", "车门马鱼鸟"),
    ],
)
def test_radicals_fold_to_ideographs(text: str, expected: str) -> None:
    assert fold_radicals(text) == expected
    assert clean_text(text) == expected


def test_every_radical_folds_to_an_ideograph() -> None:
    radicals = [*map(chr, _RADICALS_SUPPLEMENT), *map(chr, range(0x2F00, 0x2FD6))]
    assert all(is_ideograph(fold_radicals(r)) for r in radicals)


@given(
    st.text(alphabet=st.characters(blacklist_characters="".join(map(chr, range(0x2E80, 0x2FE0)))))
)
def test_text_without_radicals_is_left_alone(text: str) -> None:
    assert fold_radicals(text) == text


def test_nfkc_alone_misses_the_supplement() -> None:
    # Why the table exists: NFKC folds ⽉ but leaves ⻓ (U+2ED3) as it is.
    assert unicodedata.normalize("NFKC", "⽉⻓") == "月⻓"
    assert fold_radicals("⽉⻓") == "月长"


@pytest.mark.parametrize("hint", ["请输入联系邮箱", "请输⼊联系邮箱", "请填写联系人", "请选择"])
def test_input_placeholders_are_blank(hint: str) -> None:
    assert clean_text(hint) is None
    assert parse_email(hint) is None


@pytest.mark.parametrize(
    ("text", "top", "furniture"),
    [
        ("12/7/26, 3:56 AM 履约抵销申请 - SQ2021004212", 10.0, True),
        ("2023/11/30 下午3:42 履约抵销申请", 10.0, True),
        ("file:///tmp/form.html 1/2", 830.0, True),
        ("https://ets.example.cn/apply/print?id=42 2/2", 830.0, True),
        ("1/2", 830.0, True),
        ("2023年11月20日", 830.0, False),
        ("1/2", 400.0, False),
        ("https://ccer.cets.org.cn", 400.0, False),
    ],
)
def test_browser_header_and_footer(text: str, top: float, furniture: bool) -> None:
    assert is_page_furniture(text, top, top + 8, 842.0) is furniture


def test_ccer_table_with_added_columns_and_repeated_header() -> None:
    form = make_form()
    header = ("序号", "项目名称", "注销量（吨）", "项目编号")
    form.rows[7:10] = [
        cells(*header),
        cells("1", "岱海水电站项目", "25,800 吨", "1203"),
        cells(*header),  # the table runs onto the next page
        cells("2", "克拉玛依风电场项目", "9.87万", "CCER-1380-2015"),
    ]
    app = read_form(form)
    assert [(r.cancel_quantity_t, r.project_number) for r in app.ccer_rows] == [
        (Decimal("25800"), "1203"),
        (Decimal("98700"), "CCER-1380-2015"),
    ]


def test_blank_template_row_is_not_a_header() -> None:
    form = make_form()
    form.rows[9] = cells("注销量", "", "项目编号", "")
    form.rows.insert(10, cells("5000", "", "777", ""))
    assert len(read_form(form).ccer_rows) == 2


def test_watermark_and_system_header_are_no_values() -> None:
    form = make_form()
    lines = ["申请编号：SQ2022000001 打印时间：2023-11-30 15:42:08", *[c.text for c in form.lines]]
    lines[-1:] = ["由 扫描全能王 扫描创建", "2023年9月6日"]
    form.lines = [Cell(t, Source(where=f"line {i}")) for i, t in enumerate(lines)]
    assert str(read_form(form).signed_date) == "2023-09-06"


def _ocr(text: str) -> FormText:
    return FormText(kind="scan", lines=[Cell(text, Source("第1页", page=1, confidence=0.97))])


def test_hidden_layer_restores_a_digit_ocr_read_as_a_letter() -> None:
    ocr = _ocr("我单位申请使用国家核证自愿减排量（CCER）_Z8400tCO2e，用于2022年全国碳")
    hidden = {1: ["我单位申请使用国家核证自愿减排量（CCER） 7B4OO tCO₂e，用于2022年全国碳"]}
    line = reconcile(ocr, hidden).lines[0]
    assert "_78400tCO2e" in line.text
    assert line.source.confidence == pytest.approx(0.97)


def test_letters_of_a_word_stay_whatever_the_hidden_layer_read() -> None:
    line = reconcile(_ocr("lili@163.com"), {1: ["1i1i@163.com"]}).lines[0]
    assert line.text == "lili@163.com"


def test_digits_that_disagree_make_the_value_low_confidence() -> None:
    line = reconcile(_ocr("26100"), {1: ["26700"]}).lines[0]
    assert line.text == "26100"  # the image is the truth
    assert (line.source.confidence or 1) <= DISAGREEMENT_CONFIDENCE


def test_two_equally_close_hidden_texts_decide_nothing() -> None:
    line = reconcile(_ocr("26100"), {1: ["26l00", "26700"]}).lines[0]
    assert line == _ocr("26100").lines[0]


def test_hidden_text_of_another_page_or_unlike_is_ignored() -> None:
    form = _ocr("C3185820163")
    assert reconcile(form, {2: ["C3l8582Ol63"]}).lines[0] == form.lines[0]
    assert reconcile(form, {1: ["申请单位名称（公章）"]}).lines[0] == form.lines[0]


def test_added_name_column_in_the_forms_own_row_layout() -> None:
    form = make_form()
    form.rows[7] = cells("注销量", "25,800 吨", "项目编号", "1203", "项目名称", "岱海水电站项目")
    app = read_form(form)
    assert (app.ccer_rows[0].cancel_quantity_t, app.ccer_rows[0].project_number) == (
        Decimal("25800"),
        "1203",
    )
    assert len(app.ccer_rows) == 2
