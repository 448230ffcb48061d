"""The filled Word form: values in the right places, and read back unchanged."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import docx
import pytest
from docx.table import _Cell

from intake.application import Application, CcerRow
from intake.cycles import load_cycles
from intake.parsers.layout import match_label
from intake.render import render_docx
from intake.render.docx import FIELD_CELLS, MIN_VALUE_SIZE, VALUE_SIZE, fitting_size, load_template

ReadBack = Callable[[bytes, str], dict[str, Any]]


def paragraphs(data: bytes) -> list[str]:
    """The non-empty paragraph texts outside the table."""
    document = docx.Document(io.BytesIO(data))
    return [p.text for p in document.paragraphs if p.text.strip()]


def table_rows(data: bytes) -> list[list[str]]:
    """The texts of the table's distinct cells, row by row."""
    table = docx.Document(io.BytesIO(data)).tables[0]
    return [[_Cell(tc, table).text for tc in row._tr.tc_lst] for row in table.rows]


@pytest.mark.parametrize("name", ["v01", "v04"])
def test_clean_application_reads_back_equal(
    name: str, load: Callable[[str], Application], read_back: ReadBack
) -> None:
    app = load(name)
    assert read_back(render_docx(app), ".docx") == app.to_json()


@pytest.mark.parametrize(
    ("year", "annex", "label"),
    [(2021, "附表1", "申请抵销量(吨)"), (2022, "附表2", "申请抵销量（吨）")],
)
def test_year_picks_its_annex_and_wording(
    app_2021: Application, year: int, annex: str, label: str
) -> None:
    app_2021.year = year
    app_2021.declaration.year = year
    data = render_docx(app_2021)
    assert paragraphs(data)[0] == annex
    assert table_rows(data)[3][2] == label


def test_unsupported_year_is_refused(app_2021: Application) -> None:
    app_2021.year = 2023
    with pytest.raises(ValueError, match="2021 或 2022"):
        render_docx(app_2021)


def test_value_cells_sit_right_of_their_labels() -> None:
    table = load_template(load_cycles().by_year[2022]).tables[0]
    for (row, col), field in FIELD_CELLS.items():
        found = match_label(table.rows[row].cells[col - 1].text)
        assert found is not None
        assert found[0].field == field


def test_five_rows_add_two_rows_before_the_note(app_2021: Application, read_back: ReadBack) -> None:
    app_2021.ccer_rows += [CcerRow(Decimal("100"), "0127"), CcerRow(Decimal("0.5"), "386")]
    data = render_docx(app_2021)
    rows = table_rows(data)
    assert len(rows) == 13
    assert rows[10] == ["注销量", "100", "项目编号", "0127"]
    assert rows[11] == ["注销量", "0.5", "项目编号", "386"]
    assert rows[12][0].startswith("(注：")
    assert read_back(data, ".docx") == app_2021.to_json()


def test_one_row_leaves_the_other_template_rows_empty(
    app_2022: Application, read_back: ReadBack
) -> None:
    app_2022.ccer_rows = app_2022.ccer_rows[:1]
    data = render_docx(app_2022)
    rows = table_rows(data)
    assert len(rows) == 11
    assert rows[8] == rows[9] == ["注销量", "", "项目编号", ""]
    assert read_back(data, ".docx")["ccer_rows"] == [
        {"cancel_quantity_t": "5400", "project_number": "CCER-1125-2014"}
    ]


@pytest.mark.parametrize(
    ("province", "line"),
    [
        ("广东省", "广东省生态环境厅："),
        ("内蒙古自治区", "内蒙古自治区生态环境厅："),
        ("北京市", "北京市生态环境局："),
        ("重庆市", "重庆市生态环境局："),
        ("新疆生产建设兵团", "新疆生产建设兵团生态环境局："),
        (None, "XXX省（自治区、直辖市、新疆生产建设兵团）生态环境厅（局）："),
    ],
)
def test_addressee_line(
    app_2021: Application, read_back: ReadBack, province: str | None, line: str
) -> None:
    app_2021.declaration.province = province
    data = render_docx(app_2021)
    assert line in paragraphs(data)
    assert read_back(data, ".docx")["declaration"]["province"] == province


def test_declaration_blanks_are_underlined_runs(app_2022: Application) -> None:
    document = docx.Document(io.BytesIO(render_docx(app_2022)))
    sentence = next(p for p in document.paragraphs if "tCO₂e" in p.text)
    underlined = [run.text for run in sentence.runs if run.underline]
    assert underlined == ["  15810  ", "  2.60  "]
    assert "用于2022年全国碳市场" in sentence.text


def test_blank_declaration_values_stay_template_blanks(
    app_2021: Application, read_back: ReadBack
) -> None:
    app_2021.declaration.offset_t = None
    app_2021.declaration.ratio_pct = None
    app_2021.declaration.year = None
    data = render_docx(app_2021)
    sentence = next(p for p in paragraphs(data) if "tCO₂e" in p)
    assert "________tCO₂e" in sentence
    assert "2021年" not in sentence
    assert read_back(data, ".docx")["declaration"] == {
        "province": "新疆生产建设兵团",
        "offset_t": None,
        "ratio_pct": None,
        "year": None,
    }


def test_declaration_year_other_than_the_form_year_is_printed(
    app_2021: Application, read_back: ReadBack
) -> None:
    app_2021.declaration.year = 2022
    data = render_docx(app_2021)
    assert read_back(data, ".docx")["declaration"]["year"] == 2022
    assert read_back(data, ".docx")["year"] == 2021


@pytest.mark.parametrize(
    ("signed", "printed", "read"),
    [
        (dt.date(2023, 11, 20), "2023年11月20日", "2023-11-20"),
        (dt.date(2023, 1, 5), "2023年1月5日", "2023-01-05"),
        ("2023年11月31日", "2023年11月31日", "2023年11月31日"),
        (None, "年    月    日", None),
    ],
)
def test_signed_date(
    app_2022: Application,
    read_back: ReadBack,
    signed: dt.date | str | None,
    printed: str,
    read: str | None,
) -> None:
    app_2022.signed_date = signed
    data = render_docx(app_2022)
    assert paragraphs(data)[-1] == printed
    assert read_back(data, ".docx")["signed_date"] == read


def test_values_print_as_written(app_2021: Application, read_back: ReadBack) -> None:
    app_2021.due_allowance_t = "约95万"
    app_2021.offset_ratio_pct = Decimal("2.550")
    app_2021.contact_email = None
    app_2021.entity_name = "ＡＢＣ（北京）新能源有限公司"
    data = render_docx(app_2021)
    rows = table_rows(data)
    assert rows[1][1] == "ＡＢＣ（北京）新能源有限公司"
    assert rows[3][1] == "约95万"
    assert rows[4][1] == "2.550"
    assert rows[5][3] == ""
    assert read_back(data, ".docx") == app_2021.to_json()


def test_rendering_twice_gives_the_same_form(app_2021: Application) -> None:
    first = table_rows(render_docx(app_2021))
    app_2021.ccer_rows = []
    assert table_rows(render_docx(app_2021))[7][1] == ""
    assert first[7][1] == "9700"


@pytest.mark.parametrize(
    ("text", "width", "size"),
    [
        ("24200", 130.0, VALUE_SIZE),
        ("国家能源集团上安电力有限公司", 130.0, 9.0),
        ("中国石油化工股份有限公司镇海炼化分公司北京销售分公司", 130.0, MIN_VALUE_SIZE),
        ("anything", None, VALUE_SIZE),
    ],
)
def test_fitting_size(text: str, width: float | None, size: float) -> None:
    assert fitting_size(text, width) == size
