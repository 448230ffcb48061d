"""The ``intake`` command as a user runs it: exit statuses, Chinese output, JSON per line."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.cli import main
from tests.fixtures.data import FORMS, SAMPLE_REGISTRY

REGISTRY = SAMPLE_REGISTRY


@pytest.fixture
def loaded(db_url: str) -> str:
    result = CliRunner().invoke(main, ["registry", "load", str(REGISTRY), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "重点排放单位 25 家" in result.output
    return db_url


def test_check_clean_form_exits_0_with_one_warning(loaded: str) -> None:
    result = CliRunner().invoke(main, ["check", str(FORMS / "v01.docx"), "--db", loaded, "--json"])
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["ok"] is True
    assert [p["code"] for p in report["problems"]] == ["STAMP_UNVERIFIED"]


def test_check_lists_every_problem_in_chinese(loaded: str) -> None:
    result = CliRunner().invoke(main, ["check", str(FORMS / "v03.docx"), "--db", loaded])
    assert result.exit_code == 1
    assert "联系电话" in result.output
    assert "联系邮箱" in result.output
    assert "共 2 个错误、1 个提示" in result.output


def test_check_gives_one_json_object_per_file(loaded: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    files = [str(FORMS / "v01.docx"), str(empty), str(FORMS / "v14.docx")]
    result = CliRunner().invoke(main, ["check", *files, "--db", loaded, "--json"])
    assert result.exit_code == 1
    reports = [json.loads(line) for line in result.output.splitlines()]
    assert [[p["code"] for p in r["problems"]] for r in reports] == [
        ["STAMP_UNVERIFIED"],
        ["FILE_UNREADABLE"],
        ["FORM_NOT_RECOGNIZED"],
    ]
    assert reports[1]["application"] is None


def test_registry_load_rejects_a_bad_row_and_keeps_the_old_data(
    loaded: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(REGISTRY, bad)
    with (bad / "allocations.csv").open("a", encoding="utf-8") as handle:
        handle.write("91110112468674385N,2019,100\n")
    result = CliRunner().invoke(main, ["registry", "load", str(bad), "--db", loaded])
    assert result.exit_code == 1
    assert "allocations.csv" in result.output
    assert "未作任何修改" in result.output
    check = CliRunner().invoke(main, ["check", str(FORMS / "v01.docx"), "--db", loaded, "--json"])
    assert json.loads(check.output)["ok"] is True


def test_parse_json_is_the_application_alone() -> None:
    result = CliRunner().invoke(main, ["parse", str(FORMS / "v04.docx"), "--json"])
    assert result.exit_code == 0
    app = json.loads(result.output)
    assert app["year"] == 2022
    assert app["contact_phone"] == "15308803554"


def test_recall_json_and_idempotence(loaded: str) -> None:
    early = CliRunner().invoke(main, ["recall", "--as-of", "2024-01-19", "--db", loaded, "--json"])
    assert json.loads(early.output) == {
        "recall_date": "2024-01-22",
        "recalled_lots": 0,
        "recalled_t": "0",
    }
    due = CliRunner().invoke(main, ["recall", "--as-of", "2024-01-22", "--db", loaded, "--json"])
    assert json.loads(due.output)["recalled_lots"] == 63
    again = CliRunner().invoke(main, ["recall", "--as-of", "2024-02-01", "--db", loaded, "--json"])
    assert json.loads(again.output)["recalled_lots"] == 0


def test_usage_errors_exit_2() -> None:
    assert CliRunner().invoke(main, ["check"]).exit_code == 2
    assert CliRunner().invoke(main, ["recall", "--as-of", "yesterday"]).exit_code == 2


def test_rules_lists_every_code() -> None:
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    assert "RATIO_OVER_LIMIT" in result.output
    assert "PENDING_INSUFFICIENT" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_demo_answers_on_http(tmp_path: Path) -> None:
    """The README's first command: the service starts with demo data and serves the login page."""
    port = _free_port()
    env = {**os.environ, "INTAKE_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("INTAKE_DATABASE_URL", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "intake.cli", "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        body = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode("utf-8")
                    break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)  # waiting for a separate process to bind its port
        assert "登录" in body, log.read_text("utf-8")
    finally:
        server.terminate()
        server.wait(timeout=10)
