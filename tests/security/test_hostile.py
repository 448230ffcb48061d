"""Hostile uploads end as FILE_UNREADABLE with a clear message, and the original is kept."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.checking import parse_report
from intake.review.submissions.models import CheckState, Version
from intake.web.database import storage
from tests.fixtures import hostile
from tests.fixtures.web import login, upload

CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_clear_refusal(report_json: dict[str, Any]) -> str:
    """The report holds only FILE_UNREADABLE, in Chinese, without any trace of internals."""
    assert report_json["application"] is None
    [problem] = report_json["problems"]
    assert problem["code"] == "FILE_UNREADABLE"
    message = str(problem["message"])
    assert CJK.search(message), message
    for leak in ("Traceback", "Error", "root:x:0", "lollol", "/tmp/"):
        assert leak not in message
    return message


@pytest.mark.parametrize("name", sorted(hostile.REFUSED_IN_PROCESS))
def test_hostile_file_is_refused_quickly_in_process(name: str, hostile_dir: Path) -> None:
    path = hostile.REFUSED_IN_PROCESS[name](hostile_dir)
    started = time.monotonic()
    report = parse_report(path)
    assert time.monotonic() - started < 5
    assert_clear_refusal(report.to_json())


def test_entities_in_parts_that_are_never_read_are_never_expanded(hostile_dir: Path) -> None:
    report = parse_report(hostile.docx_entities_in_other_parts(hostile_dir))
    assert report.application is not None
    assert "lol" not in str(report.to_json())


def test_zip_bomb_messages_name_the_cause(hostile_dir: Path) -> None:
    for make in (hostile.docx_many_entries, hostile.docx_huge_entry, hostile.docx_lying_size):
        message = assert_clear_refusal(parse_report(make(hostile_dir)).to_json())
        assert "疑似恶意压缩文件" in message
    message = assert_clear_refusal(
        parse_report(hostile.docx_external_entity(hostile_dir)).to_json()
    )
    assert "DTD/实体" in message


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Uploads parsed in the sandbox with tight limits, so the bombs end in seconds."""
    return {**app_config, "PARSE_ISOLATED": True, "PARSE_TIMEOUT_S": 3, "PARSE_MEMORY_MB": 768}


ALL = {**hostile.REFUSED_IN_PROCESS, **hostile.NEEDS_SANDBOX}
WEB_CASES = ["many-entries", "billion-laughs", "self-reference", "huge-png",
             "polyglot-pdf-zip", "deflate-bomb", "endless-content"]  # fmt: skip


@pytest.mark.parametrize("name", WEB_CASES)
def test_hostile_upload_is_reported_and_kept_for_the_reviewer(
    name: str, client: FlaskClient, app: Flask, db_session: Session, hostile_dir: Path,
    deflate_bomb: Path,
) -> None:  # fmt: skip
    path = deflate_bomb if name == "deflate-bomb" else ALL[name](hostile_dir)
    data = path.read_bytes()
    login(client)
    url = upload(client, data, path.name.replace(".png", ".pdf").replace(".bin", ".pdf"))
    version = db_session.scalars(select(Version).order_by(Version.id.desc())).first()
    assert version is not None
    assert version.check_state == CheckState.DONE.value
    assert version.report_json is not None
    message = assert_clear_refusal(version.report_json)
    assert message in client.get(url).text
    assert version.file_sha256 is not None
    with app.app_context():
        assert storage(app).read(version.file_sha256) == data
    original = client.get(url + "/original")
    assert original.status_code == 200
    assert original.data == data
    original.close()
