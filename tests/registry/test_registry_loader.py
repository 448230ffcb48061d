"""The registry loader: the sample export, every kind of bad row, all-or-nothing, idempotence."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from intake.registry.loader import LoadProblem, RegistryLoadError, load_registry
from intake.registry.models import Allocation, CcerLot, Entity, Project

Dump = dict[str, list[tuple[object, ...]]]
DumpTables = Callable[[Engine], Dump]

ALICE = "91140105MAN619RM62"  # first entity of the sample
LOT = f"{ALICE},2075,云南曲靖水电站项目,水电,216159,待抵销"


def set_line(path: Path, number: int, text: str) -> None:
    """Replace line ``number`` (1 = header) of a CSV file, or add it just after the last."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if number == len(lines) + 1:
        lines.append(text)
    else:
        lines[number - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def append(path: Path, *rows: str) -> None:
    """Add rows at the end of a CSV file."""
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(row + "\n" for row in rows)


def test_sample_loads(engine: Engine, registry_dir: Path) -> None:
    summary = load_registry(engine, registry_dir)

    assert (summary.entities, summary.allocations, summary.lots, summary.projects) == (
        25,
        50,
        72,
        40,
    )
    assert (summary.pending_lots, summary.pending_t) == (63, Decimal("7970242"))
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CcerLot)) == 72
        numbers = set(session.scalars(select(Project.project_number)))
        assert {"0010", "0835", "121", "CCER-0808-2014"} <= numbers
        entity = session.get_one(Entity, ALICE)
        assert (entity.name, entity.province, entity.accounts_bound) == (
            "大唐太原发电有限责任公司",
            "山西省",
            True,
        )
        assert entity.ccer_account_id == "C5436984476"
        assert str(session.get_one(Allocation, (ALICE, 2021)).due_allowance_t) == "507742"


def test_loading_twice_leaves_the_same_data(
    engine: Engine, registry_dir: Path, dump_tables: DumpTables
) -> None:
    load_registry(engine, registry_dir)
    first = dump_tables(engine)
    load_registry(engine, registry_dir)

    assert dump_tables(engine) == first
    assert len(first["lots"]) == 72


def test_a_load_replaces_the_previous_content(
    engine: Engine, registry_dir: Path, tmp_path: Path, dump_tables: DumpTables
) -> None:
    load_registry(engine, registry_dir)
    smaller = tmp_path / "smaller"
    smaller.mkdir()
    (smaller / "entities.csv").write_text(
        "uscc,name,province,ccer_account_id,ets_account_id,accounts_bound\n"
        f"{ALICE},大唐太原发电有限责任公司（新）,山西省,C1,E1,false\n",
        encoding="utf-8",
    )
    (smaller / "allocations.csv").write_text(
        f"uscc,year,due_allowance_t\n{ALICE},2022,1000.5\n", encoding="utf-8"
    )
    (smaller / "pending_ccer.csv").write_text(
        "uscc,project_number,project_name,project_type,quantity_t,status\n" + LOT + "\n",
        encoding="utf-8",
    )
    (smaller / "projects.csv").write_text(
        "project_number,project_name,project_type,province,eligible,note\n"
        "2075,云南曲靖水电站项目,水电,云南省,true,\n",
        encoding="utf-8",
    )

    load_registry(engine, smaller)
    tables = dump_tables(engine)

    assert tables["entities"] == [
        (ALICE, "大唐太原发电有限责任公司（新）", "山西省", "C1", "E1", False)
    ]
    assert tables["allocations"] == [(ALICE, 2022, Decimal("1000.5"))]
    assert tables["lots"] == [
        (ALICE, "2075", "云南曲靖水电站项目", "水电", Decimal("216159"), "待抵销", None)
    ]
    assert tables["projects"] == [("2075", "云南曲靖水电站项目", "水电", "云南省", True, "")]
    load_registry(engine, registry_dir)
    assert len(dump_tables(engine)["entities"]) == 25


def test_bom_full_width_digits_and_thousands_separators_are_accepted(
    engine: Engine, registry_dir: Path
) -> None:
    lots = registry_dir / "pending_ccer.csv"
    lots.write_bytes(b"\xef\xbb\xbf" + lots.read_bytes())
    append(
        lots,
        f'{ALICE},2075,云南曲靖水电站项目,水电,"1,000.25",待抵销',
        f"{ALICE},2075,云南曲靖水电站项目,水电,２０００,待抵销",
    )

    summary = load_registry(engine, registry_dir)

    assert summary.pending_t == Decimal("7970242") + Decimal("3000.25")
    with Session(engine) as session:
        quantities = session.scalars(
            select(CcerLot.quantity_t).where(
                CcerLot.uscc == ALICE, CcerLot.project_number == "2075"
            )
        )
        assert sorted(str(q) for q in quantities) == ["1000.25", "2000", "216159"]


OTHER = "91110000600037341L"  # a valid code that is not in entities.csv
ENTITY = "{},名称,山西省,C1,E1,{}"
PROJECT = "CCER-0808-2014,名称,风电,新疆,{},"
PROJECTS_HEADER = "project_number,project_name,project_type,province,eligible"
ENTITIES_HEADER = "uscc,name,province,ccer_account_id,ets_account_id,accounts_bound,x"


def lot(quantity: str = "216159", status: str = "待抵销", number: str = "2075") -> str:
    """A row of pending_ccer.csv."""
    return f"{ALICE},{number},云南曲靖水电站项目,水电,{quantity},{status}"


BAD_ROWS = [
    pytest.param("entities.csv", 2, ENTITY.format(ALICE, "yes"), "accounts_bound", id="bool"),
    pytest.param("entities.csv", 27, ENTITY.format(ALICE, "true"), "与第 2 行重复", id="dup"),
    pytest.param("entities.csv", 27, ENTITY.format("9114010", "true"), "格式无效", id="uscc"),
    pytest.param("entities.csv", 2, f"{ALICE},,山西省,C1,E1,true", "name 为空", id="no-name"),
    pytest.param("allocations.csv", 2, f"{ALICE},2020,507742", "2021 或 2022", id="year"),
    pytest.param("allocations.csv", 2, f"{ALICE},2021,50万", "不是有效的数量", id="unit"),
    pytest.param("allocations.csv", 3, f"{ALICE},2021,1", "与第 2 行重复", id="dup-alloc"),
    pytest.param("allocations.csv", 2, f"{OTHER},2021,5", "不在 entities.csv 中", id="alloc-uscc"),
    pytest.param("pending_ccer.csv", 2, lot("-5"), "不是有效", id="negative"),
    pytest.param("pending_ccer.csv", 2, lot("0"), "必须大于 0", id="zero"),
    pytest.param("pending_ccer.csv", 2, lot("1.23456"), "小数位数", id="decimals"),
    pytest.param("pending_ccer.csv", 2, lot("1e5"), "不是有效", id="exponent"),
    pytest.param("pending_ccer.csv", 2, lot('"21,61,59"'), "不是有效", id="grouping"),
    pytest.param("pending_ccer.csv", 2, lot(status="已冻结"), "已冻结", id="status"),
    pytest.param("pending_ccer.csv", 2, lot(number=""), "project_number 为空", id="no-number"),
    pytest.param("pending_ccer.csv", 2, LOT.replace(ALICE, OTHER), "不在 entities", id="lot-uscc"),
    pytest.param("pending_ccer.csv", 2, LOT + ",x", "有 7 列，表头有 6 列", id="columns"),
    pytest.param("projects.csv", 3, PROJECT.format("true"), "与第 2 行重复", id="dup-project"),
    pytest.param("projects.csv", 2, PROJECT.format("是的"), "eligible", id="eligible"),
    pytest.param("projects.csv", 1, PROJECTS_HEADER, "缺少列「note」", id="missing-column"),
    pytest.param("entities.csv", 1, ENTITIES_HEADER, "未知的列「x」", id="unknown-column"),
]


@pytest.mark.parametrize(("file", "line", "row", "reason"), BAD_ROWS)
def test_a_bad_row_rejects_the_whole_load(
    engine: Engine,
    registry_dir: Path,
    dump_tables: DumpTables,
    file: str,
    line: int,
    row: str,
    reason: str,
) -> None:
    load_registry(engine, registry_dir)
    before = dump_tables(engine)
    append(registry_dir / "projects.csv", "9999,新项目,风电,河北省,true,")  # a good change
    set_line(registry_dir / file, line, row)

    with pytest.raises(RegistryLoadError) as caught:
        load_registry(engine, registry_dir)

    problems = caught.value.problems
    assert len(problems) == 1, problems
    assert (problems[0].file, problems[0].line) == (file, line)
    assert reason in problems[0].reason
    assert dump_tables(engine) == before


def test_every_bad_row_is_listed(registry_dir: Path, engine: Engine) -> None:
    set_line(registry_dir / "entities.csv", 27, "x,名称,山西省,C1,E1,true")
    set_line(registry_dir / "allocations.csv", 5, f"{ALICE},2023,5")
    set_line(registry_dir / "pending_ccer.csv", 7, LOT.replace("216159", "abc"))
    set_line(registry_dir / "pending_ccer.csv", 9, LOT.replace("待抵销", "pending"))
    set_line(registry_dir / "projects.csv", 6, "1488,名称,类型,省,maybe,")

    with pytest.raises(RegistryLoadError) as caught:
        load_registry(engine, registry_dir)

    where = [(p.file, p.line) for p in caught.value.problems]
    assert where == [
        ("entities.csv", 27),
        ("allocations.csv", 5),
        ("pending_ccer.csv", 7),
        ("pending_ccer.csv", 9),
        ("projects.csv", 6),
    ]
    assert "entities.csv 第 27 行：uscc：统一社会信用代码「x」格式无效" in str(caught.value)


def test_problems_are_capped(registry_dir: Path, engine: Engine) -> None:
    append(registry_dir / "pending_ccer.csv", *[LOT.replace("216159", "?")] * 500)

    with pytest.raises(RegistryLoadError) as caught:
        load_registry(engine, registry_dir)

    assert len(caught.value.problems) == 200
    assert caught.value.truncated
    assert caught.value.problems[0] == LoadProblem(
        "pending_ccer.csv", 74, "quantity_t：「?」不是有效的数量（应为不带单位的正数）"
    )


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        pytest.param(None, None, "缺少该文件", id="missing"),
        pytest.param(b"", None, "文件为空", id="empty"),
        pytest.param(
            "uscc,year,due_allowance_t\n1,2021,5\n北京".encode("gbk"), 3, "UTF-8", id="gbk"
        ),
    ],
)
def test_unreadable_files(
    registry_dir: Path, engine: Engine, content: bytes | None, line: int | None, reason: str
) -> None:
    path = registry_dir / "allocations.csv"
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)

    with pytest.raises(RegistryLoadError) as caught:
        load_registry(engine, registry_dir)

    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("allocations.csv", line)
    assert reason in problem.reason


def test_a_unreadable_entities_file_does_not_flood_the_other_files(
    registry_dir: Path, engine: Engine
) -> None:
    (registry_dir / "entities.csv").unlink()

    with pytest.raises(RegistryLoadError) as caught:
        load_registry(engine, registry_dir)

    assert caught.value.problems == [LoadProblem("entities.csv", None, "缺少该文件")]


def test_with_a_session_the_caller_commits(engine: Engine, registry_dir: Path) -> None:
    with Session(engine) as session:
        load_registry(session, registry_dir)
        assert session.scalar(select(func.count()).select_from(Entity)) == 25
        session.rollback()
        assert session.scalar(select(func.count()).select_from(Entity)) == 0
        load_registry(session, registry_dir)
        session.commit()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Entity)) == 25


def test_blank_lines_and_quoted_line_breaks_keep_line_numbers(
    registry_dir: Path, engine: Engine
) -> None:
    append(
        registry_dir / "projects.csv",
        "",
        '9998,"两行的\n项目名称",风电,河北省,true,',
        "9997,名称,风电,河北省,nope,",
    )

    with pytest.raises(RegistryLoadError) as caught:
        load_registry(engine, registry_dir)

    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("projects.csv", 45)
