"""Each benchmark script runs at a tiny scale and prints its table (figures are not asserted)."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from stdnum.cn import uscc as uscc_module

from bench.generate import PROVINCES, generate, read_applications
from tests.fixtures.database import PG_URL

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    """Run ``python -m bench.<script> ARGS`` from the repository root; its standard output."""
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_generated_registry_is_valid_and_national(tmp_path: Path) -> None:
    out = generate(tmp_path, scale=0.02, seed=1, forms=False)
    entities = rows(out / "entities.csv")
    assert all(uscc_module.is_valid(e["uscc"]) for e in entities)
    assert len({e["uscc"] for e in entities}) == len(entities)
    assert {e["province"] for e in entities} == {name for name, _, _ in PROVINCES}
    assert len(PROVINCES) == 32
    bingtuan = [e["uscc"] for e in entities if e["province"] == "新疆生产建设兵团"]
    assert bingtuan
    assert all(code[2:6] == "6590" for code in bingtuan)
    assert len(rows(out / "allocations.csv")) == 2 * len(entities)
    assert {lot["status"] for lot in rows(out / "pending_ccer.csv")} == {
        "待抵销",
        "已抵销",
        "已召回",
    }
    assert len(read_applications(out)) == 2 * len(entities)


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", scale=0.01, seed=5, forms=False)
    second = generate(tmp_path / "b", scale=0.01, seed=5, forms=False)
    for name in ("entities.csv", "pending_ccer.csv", "applications.jsonl"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_batch_script_prints_constant_statements(tmp_path: Path) -> None:
    backends = "sqlite" if os.environ.get("INTAKE_TEST_SKIP_PG") == "1" else "sqlite,postgresql"
    out = run(
        "bench.batch",
        "--scale",
        "0.01",
        "--data",
        str(tmp_path),
        "--backends",
        backends,
        "--pg",
        PG_URL,
    )
    batch_lines = [line for line in out.splitlines() if "batch check," in line]
    assert len(batch_lines) == 2 * len(backends.split(","))
    assert all(line.split("|")[3].strip() == "5" for line in batch_lines)


@pytest.mark.slow
def test_parse_script_prints_its_table(tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice renders the PDF forms")
    out = run(
        "bench.parse",
        "--scale",
        "0.01",
        "--data",
        str(tmp_path),
        "--repeat",
        "1",
        "--ocr-files",
        "0",
    )
    assert "| docx " in out
    assert "| pdf " in out
    assert "python-docx Document()" in out


@pytest.mark.slow
def test_web_script_prints_its_table(tmp_path: Path) -> None:
    if shutil.which("wrk") is None or not (Path(sys.executable).parent / "gunicorn").exists():
        pytest.skip("needs wrk (Debian) and gunicorn (in the virtualenv)")
    out = run(
        "bench.web",
        "--scale",
        "0.01",
        "--data",
        str(tmp_path),
        "--duration",
        "1",
        "--clients",
        "2",
        "--servers",
        "1x2,1",
    )
    for page in ("report page", "reviewer queue", "API check (.docx)"):
        line = next(line for line in out.splitlines() if line.startswith(f"| {page}"))
        assert line.split("|")[8].strip() == "0"  # errors
    api = [line for line in out.splitlines() if line.startswith("| API check (.docx) ")]
    assert [line.split("|")[10].strip() for line in api] == [
        "1 workers, gthread × 2 threads",
        "1 workers, sync",
    ]
    # The parser workers a gthread worker starts from its request threads are found too.
    memory = next(x for x in out.splitlines() if x.startswith("Peak RSS, 1 workers, gthread"))
    assert "; 0 parser workers" not in memory


@pytest.mark.slow
def test_cli_script_prints_its_tables() -> None:
    out = run("bench.cli", "--repeat", "1")
    assert "| intake check FORM.docx (limited worker) " in out
    assert "| reference: intake check FORM.docx, registry through the ORM " in out
    assert 'python -c "import docx"' in out
    assert "| FILE_UNREADABLE " in out


# The OCR scripts read the office corpus that tests/parsers/test_office_scans.py builds:
# the same worker runs them, one after the other.
@pytest.mark.slow
@pytest.mark.xdist_group("office-scans")
def test_ocr_kinds_script_prints_times_beside_the_reference_and_the_target() -> None:
    out = run("bench.ocrkinds", "--kinds", "grey-300", "--repeat", "1")
    row = next(line for line in out.splitlines() if line.startswith("| grey-300-1.pdf"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "1"
    assert cells[4].startswith("≤ 1 s, ")
    assert cells[6].endswith("×")


@pytest.mark.slow
@pytest.mark.xdist_group("office-scans")
def test_ocr_batch_script_compares_with_rapidocrs_own_batching() -> None:
    out = run("bench.ocrbatch", "--kinds", "grey-300", "--repeat", "1")
    assert "crops read differently alone than with their page: 0 of " in out
    assert "| RapidOCR's own batching (reference) |" in out
    assert "| ours, 1200 columns a call |" in out
