"""Background checks with real processes: killed workers, restarted servers, scale-out.

Every check is counted by its version's ``check_attempts`` (one per claim taken): a
check that runs to its end records once, and a second run only happens after the first
runner died.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from intake import create_app
from intake.demo import DEMO_DATA
from intake.registry.loader import load_registry
from intake.review.submissions import operations
from intake.review.submissions.models import CheckState, Version, utcnow
from intake.web.database import engine, sessions, storage
from intake.web.jobs import RqRunner, run_check, runner
from intake.web.resume import resume
from tests.fixtures.data import FORMS as SAMPLE_FORMS
from tests.fixtures.database import postgres_schema_url
from tests.fixtures.processes import (
    Process,
    environment,
    free_port,
    intake,
    run_intake,
    running,
    wait_for,
    wait_http,
)
from tests.fixtures.review import applicant

REDIS_URL = "redis://127.0.0.1:6379/0"
SCAN = SAMPLE_FORMS / "v09.pdf"  # about 10 s of OCR: slow enough to be killed half way
FORMS = [SAMPLE_FORMS / f"v0{n}.docx" for n in (1, 2, 3, 4, 5)]
USCC = "91659001MAL8YR44XK"  # 华能双河 in the demo registry
UPLOADS = 50
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema (processes share it)."""
    yield from postgres_schema_url()


@pytest.fixture
def rq_queue() -> Iterator[str]:
    """A queue name of this test's own; its keys are deleted from Redis afterwards."""
    redis = pytest.importorskip("redis")
    pytest.importorskip("rq")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable")
    name = f"intake-test-{secrets.token_hex(4)}"
    yield name
    for key in connection.scan_iter(match=f"*{name}*"):
        connection.delete(key)
    connection.close()


def _app(tmp_path: Path, db_url: str, **config: Any) -> Flask:
    """The app the test sets up the database with (migrated), on the processes' instance."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "jobs-test",
            "JOB_RUNNER": "sync",
            **config,
        }
    )


def _env(tmp_path: Path, db_url: str, **settings: str) -> dict[str, str]:
    return environment(
        {
            "INTAKE_DATABASE_URL": db_url,
            "INTAKE_INSTANCE_PATH": str(tmp_path / "instance"),
            "INTAKE_SECRET_KEY": "jobs-test",
            **{f"INTAKE_{name.upper()}": value for name, value in settings.items()},
        }
    )


def _upload(app: Flask, path: Path, extra: bytes = b"") -> int:
    with sessions(app)() as session:
        version = operations.create_from_upload(
            session, storage(app), user=applicant(session, USCC), data=path.read_bytes() + extra,
            filename=path.name,
        )  # fmt: skip
        return version.id


def _versions(app: Flask) -> dict[int, Version]:
    with sessions(app)() as session:
        return {v.id: v for v in session.scalars(select(Version).order_by(Version.id))}


def _leave(app: Flask, version_id: int, *, state: CheckState, age: dt.timedelta) -> None:
    """Leave the version as a stopped process would have: claimed (or not) ``age`` ago."""
    with sessions(app)() as session:
        if state == CheckState.RUNNING:
            version = session.get(Version, version_id)
            assert version is not None
            assert operations.start_check(session, version) is not None
        then = utcnow() - age
        session.execute(
            update(Version)
            .where(Version.id == version_id)
            .values(created_at=then, check_alive_at=then if state == CheckState.RUNNING else None)
        )
        session.commit()


def _all_finished(app: Flask, count: int) -> dict[int, Version] | None:
    versions = _versions(app)
    finished = [v for v in versions.values() if v.check_state in ("done", "failed")]
    return versions if len(versions) == count == len(finished) else None


def test_a_check_that_runs_twice_records_once(tmp_path: Path, db_url: str) -> None:
    app = _app(tmp_path, db_url, PARSE_ISOLATED=False)
    version_id = _upload(app, FORMS[0])
    assert run_check(app, version_id)
    assert not run_check(app, version_id)
    version = _versions(app)[version_id]
    assert (version.check_state, version.check_attempts) == ("done", 1)
    assert version.report_json is not None
    app.extensions["intake.engine"].dispose()


@pytest.mark.slow
def test_serve_resumes_the_checks_a_stopped_server_left(tmp_path: Path, db_url: str) -> None:
    app = _app(tmp_path, db_url)
    old_running, old_pending, fresh_running = (_upload(app, f) for f in FORMS[:3])
    _leave(app, old_running, state=CheckState.RUNNING, age=HOUR)
    _leave(app, old_pending, state=CheckState.PENDING, age=HOUR)
    # Claimed just before the stop: taken over once it has shown no life for 4 s.
    _leave(app, fresh_running, state=CheckState.RUNNING, age=dt.timedelta(0))
    port = free_port()
    env = _env(tmp_path, db_url, job_runner="thread", check_stale_s="4")
    with running([intake(["serve", "--port", str(port)], env, tmp_path / "serve.log")]) as [web]:
        versions = wait_for(
            lambda: _all_finished(app, 3), timeout=90, what=f"3 checks\n{web.output()}"
        )
    assert {v.id: (v.check_state, v.check_attempts) for v in versions.values()} == {
        old_running: ("done", 2),
        old_pending: ("done", 1),
        fresh_running: ("done", 2),
    }
    assert all(v.report_json and v.application_json for v in versions.values())
    app.extensions["intake.engine"].dispose()


@pytest.mark.slow
def test_a_worker_killed_mid_check_is_replaced_and_the_check_recorded_once(
    tmp_path: Path, pg_url: str, rq_queue: str
) -> None:
    queue_config = {"REDIS_URL": REDIS_URL, "RQ_QUEUE": rq_queue}
    app = _app(tmp_path, pg_url, **queue_config)
    version_id = _upload(app, SCAN)
    runner(app).submit(version_id)
    env = _env(tmp_path, pg_url, redis_url=REDIS_URL, rq_queue=rq_queue, check_stale_s="3")
    first = intake(["worker"], env, tmp_path / "worker-1.log")

    def parsing() -> bool:
        assert first.popen.poll() is None, first.output()
        state = _versions(app)[version_id].check_state
        return state == "running" and bool(first.descendants())  # the sandboxed parser

    wait_for(parsing, timeout=60, what="the first worker to start the check")
    first.kill()
    killed = _versions(app)[version_id]
    assert (killed.check_state, killed.check_attempts, killed.report_json) == ("running", 1, None)

    with running([intake(["worker"], env, tmp_path / "worker-2.log")]) as [second]:
        versions = wait_for(
            lambda: _all_finished(app, 1), timeout=180, what=f"the check\n{second.output()}"
        )
    version = versions[version_id]
    assert (version.check_state, version.check_attempts, version.check_claim) == ("done", 2, None)
    assert version.application_json is not None
    assert version.application_json["uscc"] == "91371302MAQ6YR9H5M"
    assert version.report_json is not None
    assert version.report_json["application"]["uscc"] == "91371302MAQ6YR9H5M"
    app.extensions["intake.engine"].dispose()


def _post(url: str, token: str, name: str, data: bytes) -> dict[str, Any]:
    """POST a multipart ``file`` with a bearer token; the JSON answer (status 201 or 202)."""
    boundary = secrets.token_hex(16)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status in (201, 202)
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def _worker_job_counts(rq_queue: str) -> list[int]:
    """Jobs done by each living worker of the queue, as RQ counts them."""
    import redis
    import rq

    connection = redis.Redis.from_url(REDIS_URL)
    workers = rq.Worker.all(queue=rq.Queue(rq_queue, connection=connection))
    return sorted(w.successful_job_count for w in workers)


@pytest.mark.slow
def test_two_web_and_two_worker_processes_check_every_upload_once(
    tmp_path: Path, pg_url: str, rq_queue: str
) -> None:
    app = _app(tmp_path, pg_url)  # migrates the shared schema before the processes start
    load_registry(engine(app), DEMO_DATA)
    env = _env(tmp_path, pg_url, redis_url=REDIS_URL, rq_queue=rq_queue)
    ports = [free_port(), free_port()]
    webs = [
        intake(["serve", "--port", str(ports[0]), "--threads", "4"], env, tmp_path / "web-1.log"),
        Process(
            [
                str(Path(sys.executable).with_name("gunicorn")), "--preload",
                "--workers", "1", "--no-control-socket",
                "--bind", f"127.0.0.1:{ports[1]}", "intake.wsgi:app",
            ],
            env,
            tmp_path / "web-2.log",
        ),
    ]  # fmt: skip
    workers = [intake(["worker"], env, tmp_path / f"worker-{n}.log") for n in (1, 2)]
    with running([*webs, *workers]):
        # The user and its token are made while the servers start.
        run_intake(["user", "create", "scale", "--role", "enterprise", "--uscc", USCC,
                    "--password", "scale-password"], env)  # fmt: skip
        token = run_intake(["user", "token", "scale"], env).strip()
        for port, web in zip(ports, webs, strict=True):
            wait_http(f"http://127.0.0.1:{port}/login", web)
        started = time.monotonic()

        def send(index: int) -> int:
            url = f"http://127.0.0.1:{ports[index % 2]}/api/v1/applications"
            form = FORMS[index % len(FORMS)]
            answer = _post(url, token, form.name, form.read_bytes() + f"#{index}".encode())
            return int(answer["application_id"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            applications = list(pool.map(send, range(UPLOADS)))
        uploaded = time.monotonic() - started
        versions = wait_for(
            lambda: _all_finished(app, UPLOADS),
            timeout=120,
            what=f"{UPLOADS} checks\n" + "\n".join(w.output()[-2000:] for w in workers),
        )
        checked = time.monotonic() - started
        jobs = _worker_job_counts(rq_queue)
    assert len(set(applications)) == UPLOADS
    attempts = [v.check_attempts for v in versions.values()]
    assert [v.check_state for v in versions.values()] == ["done"] * UPLOADS
    assert attempts == [1] * UPLOADS
    assert all(v.report_json and v.report_json["application"] for v in versions.values())
    # No job was queued twice, and both workers took a share.
    assert sum(jobs) == UPLOADS
    assert len(jobs) == 2
    assert min(jobs) > 0
    print(
        f"{UPLOADS} uploads through 2 web processes in {uploaded:.1f} s; "
        f"{sum(attempts)} checks by 2 workers ({jobs}) done after {checked:.1f} s"
    )
    app.extensions["intake.engine"].dispose()


def test_sweeps_of_several_processes_queue_a_lost_check_once(
    tmp_path: Path, db_url: str, rq_queue: str
) -> None:
    config = {"REDIS_URL": REDIS_URL, "RQ_QUEUE": rq_queue}
    web, other = _app(tmp_path, db_url, **config), _app(tmp_path, db_url, **config)
    lost = _upload(web, FORMS[0])  # stored, but its job never reached the queue
    _leave(web, lost, state=CheckState.PENDING, age=HOUR)
    queued = _upload(web, FORMS[1])
    _leave(web, queued, state=CheckState.PENDING, age=HOUR)
    runner(web).submit(queued)  # waiting on the queue already
    assert resume(web) == 1
    assert resume(other) == 0  # swept a moment ago by the first process
    rq_runner = runner(web)
    assert isinstance(rq_runner, RqRunner)
    queue = rq_runner.queue
    assert sorted(int(job_id.split("-")[-2]) for job_id in queue.get_job_ids()) == [lost, queued]
    queue.connection.delete(f"intake:{rq_queue}:sweep")
    assert resume(other) == 0  # both are waiting on the queue: nothing is queued twice
    for app in (web, other):
        app.extensions["intake.engine"].dispose()
