"""The filled official form, downloaded and checked as a reviewer would: only the seal remains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.application import Application
from intake.cli import main
from intake.render import render_docx, render_pdf
from tests.fixtures.data import SAMPLE_REGISTRY as REGISTRY


@pytest.mark.slow
def test_generated_docx_and_pdf_check_clean_but_for_the_seal(
    app_2021: Application, app_2022: Application, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    runner = CliRunner()
    assert runner.invoke(main, ["registry", "load", str(REGISTRY), "--db", db]).exit_code == 0
    files = []
    for app in (app_2021, app_2022):
        for suffix, render in ((".docx", render_docx), (".pdf", render_pdf)):
            path = tmp_path / f"{app.year}{suffix}"
            path.write_bytes(render(app))
            files.append(str(path))
    result = runner.invoke(main, ["check", *files, "--db", db, "--json"])
    reports = [json.loads(line) for line in result.output.splitlines()]
    assert [[p["code"] for p in r["problems"]] for r in reports] == [["STAMP_UNVERIFIED"]] * 4
    assert result.exit_code == 0
