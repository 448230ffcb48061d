"""MemoryRegistry: the protocol over plain data, and the contract's CSV files."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from intake.cycles import BUILT_IN, Cycles
from intake.registry.csvfiles import RegistryLoadError
from intake.registry.memory import Claim, MemoryRegistry
from tests.fixtures.data import SAMPLE_REGISTRY as REGISTRY

HEADERS = {
    "entities.csv": "uscc,name,province,ccer_account_id,ets_account_id,accounts_bound",
    "allocations.csv": "uscc,year,due_allowance_t",
    "pending_ccer.csv": "uscc,project_number,project_name,project_type,quantity_t,status",
    "projects.csv": "project_number,project_name,project_type,province,eligible,note",
}


def write(folder: Path, rows: dict[str, list[str]], bom: bool = False) -> Path:
    """The four CSV files with the given data rows."""
    folder.mkdir(exist_ok=True)
    for name, header in HEADERS.items():
        text = "\n".join([header, *rows.get(name, [])]) + "\n"
        (folder / name).write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return folder


def test_sample_registry_loads() -> None:
    registry = MemoryRegistry.from_csv_dir(REGISTRY)
    assert len(registry.entities) == 25
    assert len(registry.projects) == 40
    assert len(registry.lots) == 72
    entity = registry.entity("91140105MAN619RM62")
    assert entity is not None
    assert (entity.name, entity.province, entity.accounts_bound) == (
        "大唐太原发电有限责任公司",
        "山西省",
        True,
    )
    assert registry.due_allowance("91140105MAN619RM62", 2022) == D("483603")


ENTITIES = [
    "91110000600037341L,甲电厂,北京市,C1,E1,true",
    "91440300MA5F000007,乙电厂,广东省,C2,E2,false",
]


def test_pending_sums_only_pending_lots(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "r",
        {
            "entities.csv": ENTITIES,
            "pending_ccer.csv": [
                "91110000600037341L,0127,甲,水电,100,待抵销",
                "91110000600037341L,0127,甲,水电,50.5,待抵销",
                "91110000600037341L,0127,甲,水电,1000,已抵销",
                "91110000600037341L,386,乙,风电,70,已召回",
                "91440300MA5F000007,0127,甲,水电,9,待抵销",
            ],
        },
        bom=True,
    )
    registry = MemoryRegistry.from_csv_dir(folder)
    assert registry.pending("91110000600037341L") == {"0127": D("150.5")}
    assert registry.pending("91110000MA0000001L") == {}


def test_projects_keep_leading_zeros_and_eligibility(tmp_path: Path) -> None:
    folder = write(tmp_path / "r", {"projects.csv": ["0127,甲,水电,云南省,false,已撤销"]})
    registry = MemoryRegistry.from_csv_dir(folder)
    project = registry.project("0127")
    assert project is not None
    assert (project.eligible, project.note) == (False, "已撤销")
    assert registry.project("127") is None


def test_values_are_read_as_the_loader_reads_them(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "r",
        {
            "entities.csv": ["９１１１００００６０００３７３４１Ｌ,甲电厂,北京市,Ｃ１,E1,ＴＲＵＥ"],
            "allocations.csv": ['91110000600037341L,２０２１,"1,250,000"'],
            "pending_ccer.csv": ["91110000600037341L,０１２７,甲,水电,１００,待抵销"],
        },
    )
    registry = MemoryRegistry.from_csv_dir(folder)
    entity = registry.entity("91110000600037341L")
    assert entity is not None
    assert (entity.ccer_account_id, entity.accounts_bound) == ("C1", True)
    assert registry.due_allowance("91110000600037341L", 2021) == D("1250000")
    assert registry.pending("91110000600037341L") == {"0127": D("100")}


@pytest.mark.parametrize(
    ("name", "row", "reason"),
    [
        # "yes" is no boolean of the contract: a test registry cannot hold it either.
        ("entities.csv", "91110000600037341L,甲,广东省,C1,1,yes", "entities.csv 第 2 行"),
        ("allocations.csv", "91110000600037341L,2021,很多", "allocations.csv 第 2 行"),
        ("allocations.csv", "91110000600037341L,2020,5", "只能是 2021 或 2022"),
        ("pending_ccer.csv", "91110000600037341L,0127,甲,水电,1,冻结", "status「冻结」无效"),
    ],
)
def test_bad_row_names_file_and_line(tmp_path: Path, name: str, row: str, reason: str) -> None:
    rows = {"entities.csv": ENTITIES} if name != "entities.csv" else {}
    folder = write(tmp_path / "r", {**rows, name: [*rows.get(name, []), row]})
    with pytest.raises(RegistryLoadError, match=reason):
        MemoryRegistry.from_csv_dir(folder)


def test_missing_column_is_reported(tmp_path: Path) -> None:
    folder = write(tmp_path / "r", {})
    (folder / "allocations.csv").write_text("uscc,year\n9111,2021\n", encoding="utf-8")
    with pytest.raises(RegistryLoadError, match="缺少列「due_allowance_t」"):
        MemoryRegistry.from_csv_dir(folder)


def test_allocations_of_a_configured_cycle_are_accepted(tmp_path: Path) -> None:
    later = dataclasses.replace(BUILT_IN[-1], year=2023)
    folder = write(
        tmp_path / "r",
        {"entities.csv": ENTITIES, "allocations.csv": ["91110000600037341L,2023,900"]},
    )
    registry = MemoryRegistry.from_csv_dir(folder, Cycles.of([*BUILT_IN, later]))
    assert registry.due_allowance("91110000600037341L", 2023) == D("900")


def test_claimed_elsewhere_leaves_out_the_submission_checked() -> None:
    registry = MemoryRegistry(
        claims=[
            Claim(1, "91110000600037341L", "0127", D("10")),
            Claim(2, "91110000600037341L", "0127", D("5")),
            Claim(2, "91440300MA5F000007", "0127", D("7")),
        ]
    )
    assert registry.claimed_elsewhere("91110000600037341L") == {"0127": D("15")}
    assert registry.claimed_elsewhere("91110000600037341L", exclude=2) == {"0127": D("10")}


def test_verify_runs_without_web_or_database_modules(tmp_path: Path) -> None:
    shutil.copytree(REGISTRY, tmp_path / "registry")
    script = (
        "import sys\n"
        "from intake.application import Application\n"
        "from intake.verify import verify\n"
        "from intake.registry.memory import MemoryRegistry\n"
        f"registry = MemoryRegistry.from_csv_dir({str(tmp_path / 'registry')!r})\n"
        "verify(Application.from_json({'uscc': '91140105MAN619RM62', 'offset_requested_t': '5'}),"
        " registry)\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
