"""The compliance cycles: the built-in years, a configured later year, and no stray copies."""

from __future__ import annotations

import datetime as dt
import io
import re
import tokenize
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from intake.application import Application, CcerRow, Declaration
from intake.checking import Checker
from intake.config import Settings, load_settings
from intake.cycles import BUILT_IN, CycleConfigError, load_cycles
from intake.registry.memory import Lot, MemoryRegistry
from intake.render import render_docx
from intake.review.registrations.recall import cycle_recall_date
from intake.verify.protocol import EntityRecord, ProjectRecord
from tests.fixtures.cycles import CYCLE_2023

D = Decimal
PACKAGE = Path(__file__).resolve().parents[1] / "intake"
USCC = "91110000600037341L"

LATER = CYCLE_2023


@pytest.fixture
def later_file(tmp_path: Path) -> Path:
    """A cycles file adding 2023, with a 4 % ceiling and its own dates."""
    path = tmp_path / "cycles.toml"
    path.write_text(LATER, encoding="utf-8")
    return path


def test_built_in_cycles_are_the_procedures_two_years() -> None:
    cycles = load_cycles()
    assert cycles.years == (2021, 2022)
    assert [(c.annex, c.title_lines[0]) for c in cycles] == [
        ("附表1", "2021年全国碳市场重点排放单位"),
        ("附表2", "2022年全国碳市场重点排放单位"),
    ]
    assert {(c.deadline, c.period_end, c.ceiling_text) for c in cycles} == {
        (dt.date(2023, 12, 15), dt.date(2023, 12, 31), "5%")
    }
    # 15 working days after 2023-12-31 on the official calendar (New Year's Day off).
    assert cycle_recall_date(cycles.last) == dt.date(2024, 1, 22)


def test_a_file_adds_a_cycle_taking_left_out_fields_from_the_one_before(later_file: Path) -> None:
    cycles = load_cycles(later_file)
    assert cycles.years == (2021, 2022, 2023)
    later = cycles.last
    assert (later.annex, later.deadline, later.ceiling_pct) == (
        "附表3",
        dt.date(2024, 11, 30),
        D(4),
    )
    assert (later.ceiling_base, later.template) == ("应清缴配额量", BUILT_IN[-1].template)
    assert later.title_lines == ("2023年全国碳市场重点排放单位", "使用CCER抵销配额清缴申请表")
    assert cycle_recall_date(later) == dt.date(2025, 1, 15)  # 10 working days after New Year


def test_a_json_file_reads_the_same(tmp_path: Path, later_file: Path) -> None:
    path = tmp_path / "cycles.json"
    path.write_text(
        '{"cycle": [{"year": 2023, "annex": "附表3", "title": "2023年申请表",'
        ' "deadline": "2024-11-30", "period_end": "2024-12-31", "recall_working_days": 10,'
        ' "ceiling_pct": 4}]}',
        encoding="utf-8",
    )
    assert load_cycles(path).last.deadline == load_cycles(later_file).last.deadline


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[[cycle]]\nyear = 2023\nannex = "附表3"', "缺少 title、deadline、period_end"),
        (LATER.replace('ceiling_pct = "4"', 'ceiling_pct = "四"'), "ceiling_pct 的值"),
        (LATER.replace("year = 2023", 'year = "2023"'), "year 的值"),
        (LATER + "colour = 1\n", "未知的项 colour"),
        (LATER.replace("period_end = 2024-12-31", "period_end = 2024-01-31"), "履约期不能早于"),
        ("cycle = 3", "应包含 cycle 列表"),
        ("[[cycle]\n", "格式错误"),
    ],
)
def test_a_bad_file_is_refused_with_a_reason(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "cycles.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CycleConfigError, match=reason):
        load_cycles(path)


def test_settings_read_the_cycles_file_from_the_environment(
    later_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_CYCLES", str(later_file))
    settings = load_settings()
    assert settings.cycles.years == (2021, 2022, 2023)
    # The pages count the days to the latest cycle's deadline; the recall is its recall.
    assert settings.deadline == dt.date(2024, 11, 30)
    assert (settings.compliance_period_end, settings.recall_working_days) == (
        dt.date(2024, 12, 31),
        10,
    )
    assert settings.cycles.get(2021) == BUILT_IN[0]
    assert Settings(**settings.as_config()).cycles == settings.cycles


def test_a_configured_deadline_replaces_every_cycles(later_file: Path) -> None:
    settings = Settings(cycles_file=later_file, deadline=dt.date(2023, 11, 30))
    assert {cycle.deadline for cycle in settings.cycles} == {dt.date(2023, 11, 30)}
    assert Settings(**settings.as_config()).cycles == settings.cycles


def _registry() -> MemoryRegistry:
    entity = EntityRecord(USCC, "华能示例发电有限公司", "北京市", "C1", "E1", True)
    return MemoryRegistry.of(
        entities=[entity],
        allocations=[(USCC, 2021, D(1000000)), (USCC, 2023, D(1000000))],
        lots=[Lot(USCC, "0127", D(100000))],
        projects=[ProjectRecord("0127", "云南示例水电站项目", "水电", "云南省", True)],
    )


def _application(year: int, offset: str, signed: dt.date) -> Application:
    """A complete form of ``year`` asking ``offset`` t against 1000000 t."""
    quantity = D(offset)
    ratio = (quantity / 10000).quantize(D("0.01"))
    return Application(
        year=year,
        entity_name="华能示例发电有限公司",
        uscc=USCC,
        ccer_account_id="C1",
        ets_account_id="E1",
        due_allowance_t=D(1000000),
        offset_requested_t=quantity,
        offset_ratio_pct=ratio,
        contact_name="张三",
        contact_phone="13800000000",
        contact_email="zhang@example.com",
        ccer_rows=[CcerRow(quantity, "0127")],
        declaration=Declaration("北京市", quantity, ratio, year),
        signed_date=signed,
        stamp_present=True,
        source_kind="web",
    )


def test_the_check_follows_a_configured_cycle(later_file: Path) -> None:
    checker = Checker.from_settings(Settings(cycles_file=later_file), _registry())
    in_time = dt.date(2024, 11, 30)

    def found(app: Application) -> list[tuple[str, str | None, str | None]]:
        return [(p.code, p.field, p.expected) for p in checker.check(app).problems]

    assert found(_application(2023, "40000", in_time)) == []  # 4 % exactly is allowed
    over = checker.check(_application(2023, "40001", in_time)).problems
    assert [(p.code, p.message) for p in over] == [
        ("RATIO_OVER_LIMIT", "申请抵销量 40001 吨超过应清缴配额量的 4%（上限 40000 吨）")
    ]
    assert found(_application(2023, "40000", in_time + dt.timedelta(days=1))) == [
        ("DEADLINE_PASSED", "signed_date", "2024-11-30")
    ]
    # 2021 keeps its own deadline and ceiling.
    assert found(_application(2021, "45000", dt.date(2023, 12, 16))) == [
        ("DEADLINE_PASSED", "signed_date", "2023-12-15")
    ]
    # Without the file, 2023 is no year of the service.
    built_in = Checker.from_settings(Settings(), _registry())
    refused = built_in.check(_application(2023, "1", in_time)).problems
    assert [(p.code, p.message) for p in refused if p.field == "year"] == [
        ("VALUE_INVALID", "申请表年份“2023”不是 2021 或 2022")
    ]


def test_the_rendered_form_is_the_configured_cycles(later_file: Path) -> None:
    cycles = load_cycles(later_file)
    document = docx.Document(
        io.BytesIO(render_docx(_application(2023, "40000", dt.date(2024, 11, 1)), cycles))
    )
    texts = [p.text for p in document.paragraphs if p.text.strip()]
    assert texts[:2] == ["附表3", "2023年全国碳市场重点排放单位\n使用CCER抵销配额清缴申请表"]
    assert "用于2023年全国碳市场抵销配额清缴，抵销比例占我单位2023年应清缴配额量" in texts[4]
    assert document.tables[0].rows[3].cells[0].text == "2023年应清缴配额量(吨)"
    with pytest.raises(ValueError, match="2021 或 2022"):
        render_docx(_application(2023, "1", dt.date(2024, 11, 1)))


# Each fact of the procedure, as code or a message could write it again. Comments and
# docstrings may mention them; everything else in the package must read intake.cycles
# (or the threshold in intake.config).
STRAY = {
    "deadline": r"2023\s*,\s*12\s*,\s*15|2023-12-15|12\s*月\s*15\s*日",
    "period end": r"2023\s*,\s*12\s*,\s*31|2023-12-31",
    "ceiling": r"Decimal\s*\(\s*[\"']?(?:5|0\.05)[\"']?\s*\)|(?<![\d.])5\s*%|limit_pct\s*=\s*5\b",
    "years": r"\(\s*2021\s*,\s*2022\s*\)|\[\s*2021\s*,\s*2022|2021\s*年?或\s*2022|2021/2022",
    "confidence threshold": r"(?i)confidence\w*\s*(?::\s*\w+\s*)?=\s*0\.80?\b",
}
# Where each is written; the years are written once as the two built-in cycles, never as a list.
OWNERS = {
    "deadline": ["intake/cycles.py"],
    "period end": ["intake/cycles.py"],
    "ceiling": ["intake/cycles.py"],
    "years": [],
    "confidence threshold": ["intake/config.py"],
}


def code_text(path: Path) -> str:
    """The module's source without comments and docstrings, one token after another."""
    kept: list[str] = []
    previous = tokenize.NEWLINE
    with path.open("rb") as handle:
        for token in tokenize.tokenize(handle.readline):
            docstring = token.type == tokenize.STRING and previous in (
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.ENCODING,
            )
            if token.type not in (tokenize.COMMENT, tokenize.NL) and not docstring:
                kept.append(token.string)
            if token.type not in (tokenize.COMMENT, tokenize.NL):
                previous = token.type
    return " ".join(kept)


def test_each_fact_of_the_procedure_is_written_once() -> None:
    modules = {path: code_text(path) for path in sorted(PACKAGE.rglob("*.py"))}
    templates = PACKAGE.parent / "templates"
    pages = {path: path.read_text(encoding="utf-8") for path in templates.rglob("*.html")}
    for fact, pattern in STRAY.items():
        where = [
            f"{path.relative_to(PACKAGE.parent)}"
            for path, text in {**modules, **pages}.items()
            for _ in re.finditer(pattern, text)
        ]
        assert where == OWNERS[fact], fact
