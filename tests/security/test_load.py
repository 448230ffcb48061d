"""Under load: concurrent uploads and new versions lose nothing and double nothing."""

from __future__ import annotations

import re
import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.review.submissions.models import Submission, Version
from intake.web.database import storage
from tests.fixtures.data import FORMS
from tests.fixtures.web import login, upload

THREADS = 4
PER_THREAD = 4


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """In-process parsing: the load is on the database, not on the parser."""
    return {**app_config, "PARSE_ISOLATED": False}


def _run(workers: list[threading.Thread]) -> None:
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_concurrent_uploads_are_all_kept_once(app: Flask, db_session: Session) -> None:
    data = (FORMS / "v01.docx").read_bytes()
    errors: list[BaseException] = []
    locations: list[str] = []

    def work(index: int) -> None:
        client = app.test_client()
        login(client, "demo-enterprise" if index % 2 else "demo-enterprise-2")
        for n in range(PER_THREAD):
            try:
                locations.append(
                    upload(client, data + f"{index}-{n}".encode(), f"t{index}-{n}.docx")
                )
            except BaseException as error:
                errors.append(error)

    _run([threading.Thread(target=work, args=(i,)) for i in range(THREADS)])
    assert not errors, errors[:3]
    assert len(locations) == len(set(locations)) == THREADS * PER_THREAD
    versions = list(db_session.scalars(select(Version)))
    assert len(versions) == THREADS * PER_THREAD
    assert len({v.submission_id for v in versions}) == THREADS * PER_THREAD
    names = Counter(v.original_filename for v in versions)
    assert set(names.values()) == {1}
    with app.app_context():
        assert all(storage(app).exists(v.file_sha256 or "") for v in versions)
    assert all(v.report_json is not None for v in versions)


def test_concurrent_new_versions_of_one_application_are_numbered_without_gaps(
    app: Flask, db_session: Session
) -> None:
    data = (FORMS / "v01.docx").read_bytes()
    owner = app.test_client()
    login(owner)
    first = upload(owner, data, "first.docx")
    found = re.search(r"/applications/(\d+)/", first)
    assert found is not None
    submission_id = int(found.group(1))
    errors: list[BaseException] = []

    def work(index: int) -> None:
        client = app.test_client()
        login(client)
        for n in range(PER_THREAD):
            try:
                upload(client, data + f"{index}-{n}".encode(), f"v{index}-{n}.docx",
                       url=f"/applications/{submission_id}/upload")  # fmt: skip
            except BaseException as error:
                errors.append(error)

    _run([threading.Thread(target=work, args=(i,)) for i in range(THREADS)])
    db_session.expire_all()
    submission = db_session.get(Submission, submission_id)
    assert submission is not None
    numbers = sorted(v.number for v in submission.versions)
    assert not errors, errors[:3]
    assert numbers == list(range(1, THREADS * PER_THREAD + 2))
