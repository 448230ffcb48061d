"""The web application under load: gunicorn serving ``intake.wsgi:app``, wrk as the clients.

    .venv/bin/python -m bench.web [--scale 1] [--duration 10] [--clients 20,100]

The database (SQLite by default, or a PostgreSQL schema dropped afterwards) holds
the national registry and every unit's applications for both years, submitted and
checked. gunicorn serves the app on 127.0.0.1 as deployed (``--preload``, 2 gthread
workers of 4 threads by default; ``--servers 2x4,4`` compares set-ups, the API check
only for the others); wrk (a separate process) requests,
for a fixed time at each number of concurrent clients: an enterprise's report
page, the reviewer queue of the province with most units, and the API check of
an uploaded .docx; then, as the reference for the last, the API check again with a
new parser process per file (``INTAKE_PARSE_WORKER_FILES=1``, what every upload
cost before the pool). Prints throughput, p50, p95 and errors (non-2xx/3xx
answers, timeouts, socket errors), and the CPU time the server (gunicorn and its
parser workers) and wrk spent per request, which depends little on other load; then
the peak RSS of the master, of each gunicorn worker and of each parser worker.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.cookiejar import CookieJar
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.common import ROOT, load_average, machine, ms, table, verdict
from bench.generate import ensure, read_applications
from bench.submissions import store_submitted
from intake.accounts.models import Role
from intake.accounts.operations import create_user, issue_token
from intake.application import Application
from intake.batch import check_batch
from intake.db import make_engine, upgrade
from intake.registry.loader import load_registry
from intake.render import render_docx

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "bench-password"
HOST = "127.0.0.1"
TARGET_P95_MS = 100.0
TARGET_API_RATE = 60.0  # API checks of a .docx per second at 20 clients
LUA = """
local body_file = os.getenv("BENCH_BODY")
function init(args)
  if body_file and body_file ~= "" then
    local f = assert(io.open(body_file, "rb"))
    wrk.body = f:read("*all")
    f:close()
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "max_us": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass(frozen=True)
class Scenario:
    """One page or call under load."""

    name: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: Path | None = None


@contextmanager
def database(backend: str, work: Path) -> Iterator[str]:
    """The URL of an empty database: an SQLite file, or a PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        path = work / "web.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        yield f"sqlite:///{path}"
        return
    admin = make_engine(PG_URL)
    schema = f"bench_{secrets.token_hex(4)}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(PG_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def busiest_province(apps: list[Application], directory: Path) -> str:
    """The province with most key emission units (the longest review queue)."""
    import csv

    with (directory / "entities.csv").open(encoding="utf-8") as handle:
        counts = Counter(row["province"] for row in csv.DictReader(handle))
    return counts.most_common(1)[0][0]


def fill(url: str, directory: Path, apps: list[Application], province: str) -> str:
    """Registry, checked and submitted applications, the users; returns the API token."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        load_registry(engine, directory)
        with Session(engine) as session:
            reports = check_batch(session, apps)
        store_submitted(engine, apps, [r.to_json() for r in reports])
        with Session(engine) as session, session.begin():
            enterprise = create_user(
                session, "bench-enterprise", PASSWORD, Role.ENTERPRISE, uscc=apps[0].uscc
            )
            create_user(session, "bench-province", PASSWORD, Role.PROVINCE, province=province)
            return issue_token(enterprise)
    finally:
        engine.dispose()


def free_port() -> int:
    """A TCP port free on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    """How gunicorn runs: workers × threads (sync workers at one thread), as deploy/ does:
    the app built once in the master (``--preload``)."""

    workers: int
    threads: int = 1

    @classmethod
    def parse(cls, text: str) -> Server:
        """``4`` or ``2x4`` (workers × threads)."""
        workers, _, threads = text.partition("x")
        return cls(int(workers), int(threads or 1))

    def __str__(self) -> str:
        kind = "sync" if self.threads == 1 else f"gthread × {self.threads} threads"
        return f"{self.workers} workers, {kind}"


@contextmanager
def gunicorn(
    url: str, instance: Path, server: Server, extra: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """gunicorn serving intake.wsgi:app on 127.0.0.1 as deploy/intake-web.service does (built
    in the master, which then closes its database connections, and forked), ``extra`` in its
    environment; (base URL,
    master pid)."""
    port = free_port()
    env = {**os.environ, "INTAKE_DATABASE_URL": url, "INTAKE_INSTANCE_PATH": str(instance)}
    env.update(extra or {})
    env["INTAKE_COOKIE_SECURE"] = "0"  # plain HTTP on 127.0.0.1: no TLS in front of gunicorn
    command = [
        gunicorn_command(),
        "--preload",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(server.workers),
        "--worker-class",
        "gthread" if server.threads > 1 else "sync",
        "--threads",
        str(server.threads),
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "intake.wsgi:app",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://{HOST}:{port}"
    try:
        wait_until_up(base, process)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def gunicorn_command() -> str:
    """gunicorn of the virtualenv running this script (``$PYTHON``), else the one on PATH."""
    beside = Path(sys.executable).parent / "gunicorn"
    found = str(beside) if beside.exists() else shutil.which("gunicorn")
    if found is None:
        raise SystemExit(f"gunicorn is not installed beside {sys.executable} nor on PATH")
    return found


def wait_until_up(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Poll the login page until the server answers (or fail when it exits or times out)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            with urllib.request.urlopen(base + "/login", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer")


def drain(base: str, timeout: float = 300) -> None:
    """Wait until the server has worked off what the clients left queued (login answers fast)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        start = time.monotonic()
        try:
            with urllib.request.urlopen(base + "/login", timeout=timeout):
                pass
        except OSError:
            continue
        if time.monotonic() - start < 0.5:
            return
    raise RuntimeError("the server did not become idle")


def login(base: str, username: str) -> str:
    """The session cookie of a logged-in user (``name=value``)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    form = {"csrf_token": token.group(1), "username": username, "password": PASSWORD}
    opener.open(base + "/login", urllib.parse.urlencode(form).encode())
    cookies = [f"{c.name}={c.value}" for c in jar if c.name == "session"]
    if not cookies:
        raise RuntimeError(f"login of {username} failed")
    return cookies[0]


def multipart(path: Path, target: Path) -> str:
    """Write a multipart body with the file as ``file``; its Content-Type header."""
    boundary = "bench" + secrets.token_hex(8)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    )
    target.write_bytes(head.encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}"


def preflight(base: str, scenario: Scenario) -> int:
    """Status and size of one request, so that a redirect to the login page is not measured."""
    data = scenario.body.read_bytes() if scenario.body else None
    request = urllib.request.Request(
        base + scenario.path, data=data, method=scenario.method, headers=dict(scenario.headers)
    )
    opener = urllib.request.build_opener(NoRedirect())
    with opener.open(request, timeout=30) as response:
        status: int = response.status
        if status != 200:
            raise RuntimeError(f"{scenario.name}: HTTP {status}")
        return len(response.read())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report a redirect as it is instead of following it."""

    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        """Never follow."""
        return None


def run_wrk(
    base: str, scenario: Scenario, clients: int, duration: int, work: Path
) -> dict[str, int]:
    """wrk's summary of one scenario at one number of clients."""
    script = work / "bench.lua"
    script.write_text(f'wrk.method = "{scenario.method}"\n' + LUA, encoding="utf-8")
    command = [
        "wrk",
        "--threads",
        str(min(2, clients)),
        "--connections",
        str(clients),
        "--duration",
        f"{duration}s",
        "--timeout",
        "5s",
        "--script",
        str(script),
    ]
    for name, value in scenario.headers:
        command += ["--header", f"{name}: {value}"]
    env = {**os.environ, "BENCH_BODY": str(scenario.body or "")}
    result = subprocess.run(
        [*command, base + scenario.path],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=duration + 60,
    )
    line = [x for x in result.stdout.splitlines() if x.startswith("{")][-1]
    summary: dict[str, int] = json.loads(line)
    return summary


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of one process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    """The process ids of a process's children, started by any of its threads (each
    thread's list is its own: a gthread worker starts parser workers from request threads)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def cpu_seconds(pid: int) -> float:
    """CPU seconds used by a process and all its descendants, live or reaped."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        kids = children(pid)
    except OSError:  # it ended meanwhile
        return 0.0
    ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK") + sum(cpu_seconds(kid) for kid in kids)


@dataclass(frozen=True)
class Memory:
    """Peak RSS (VmHWM) in MiB of gunicorn's master, its workers and their parser workers."""

    master: float
    workers: list[float]
    parsers: list[float]

    def __str__(self) -> str:
        total = self.master + sum(self.workers) + sum(self.parsers)
        return (
            f"master {self.master:.0f} MiB; {len(self.workers)} workers "
            f"{', '.join(f'{p:.0f}' for p in self.workers)} MiB; {len(self.parsers)} parser "
            f"workers {', '.join(f'{p:.0f}' for p in self.parsers) or '–'} MiB; sum of the "
            f"peaks {total:.0f} MiB (an upper bound: forked workers share the master's pages)"
        )


def memory(master: int) -> Memory:
    """Peak RSS of the master, of each gunicorn worker and of each parser worker they run."""
    workers = children(master)
    parsers = [child for worker in workers for child in children(worker)]
    return Memory(
        peak_rss_mb(master),
        [peak_rss_mb(pid) for pid in workers],
        [peak_rss_mb(pid) for pid in parsers],
    )


def scenarios(base: str, apps: list[Application], token: str, work: Path) -> list[Scenario]:
    """Report page, reviewer queue and API check, with what each needs to get in."""
    enterprise = (("Cookie", login(base, "bench-enterprise")),)
    province = (("Cookie", login(base, "bench-province")),)
    upload = work / "upload.docx"
    upload.write_bytes(render_docx(apps[0]))
    content_type = multipart(upload, work / "upload.body")
    api = (("Authorization", f"Bearer {token}"), ("Content-Type", content_type))
    return [
        Scenario("report page", "GET", "/applications/1/v/1", enterprise),
        Scenario("API check (.docx)", "POST", "/api/v1/check", api, work / "upload.body"),
        Scenario("reviewer queue", "GET", "/review/", province),
    ]


# The API check again, each file parsed by a new process (what every upload cost before the
# pool): the reference for the pool's figures, measured in the same run.
FRESH_PARSER = {"INTAKE_PARSE_WORKER_FILES": "1"}
FRESH_NAME = "API check (.docx), new parser process per file (reference)"

SCENARIO_KEYS = {"report": "report page", "api": "API check (.docx)", "queue": "reviewer queue"}


def row(scenario: Scenario, clients: int, size: int, s: dict[str, int]) -> list[object]:
    """One line of the table."""
    errors = s["connect"] + s["read"] + s["write"] + s["status"] + s["timeout"]
    p95 = s["p95_us"] / 1000
    rate = s["requests"] / (s["duration_us"] / 1e6)
    if scenario.name == FRESH_NAME:
        target = "reference"
    elif scenario.name.startswith("API check") and clients < 100:
        target = f"≥ {TARGET_API_RATE:g} req/s: " + ("met" if rate >= TARGET_API_RATE else "missed")
    elif clients < 100:
        target = f"p95 < {TARGET_P95_MS:g} ms: {verdict(p95, TARGET_P95_MS)}"
    else:
        target = "no errors: met" if errors == 0 else f"no errors: missed ({errors})"
    return [
        scenario.name,
        clients,
        f"{size / 1024:.0f} KiB",
        s["requests"],
        f"{rate:.1f}",
        ms(s["p50_us"] / 1e6),
        ms(s["p95_us"] / 1e6),
        errors,
        target,
    ]


def load(
    base: str,
    master: int,
    plan: list[Scenario],
    clients: list[int],
    duration: int,
    work: Path,
    server: Server,
) -> list[list[object]]:
    """One row per scenario and number of clients, the server idle again after each."""
    rows = []
    for scenario in plan:
        size = preflight(base, scenario)
        for count in clients:
            before, wrk_before = cpu_seconds(master), children_cpu()
            summary = run_wrk(base, scenario, count, duration, work)
            wrk_cpu = children_cpu() - wrk_before  # wrk, the only child reaped meanwhile
            drain(base)
            requests = max(1, summary["requests"])
            cpu = (cpu_seconds(master) - before) / requests
            rows.append(
                [*row(scenario, count, size, summary), str(server), ms(cpu), ms(wrk_cpu / requests)]
            )
    return rows


def children_cpu() -> float:
    """CPU seconds of this process's reaped children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Fill the database, start gunicorn, load each scenario, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument(
        "--data", type=Path, default=None, help="Generated data (default: bench/out)."
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=int, default=10, help="Seconds per scenario.")
    parser.add_argument("--clients", default="20,100")
    parser.add_argument(
        "--servers",
        default="2x4",
        help="gunicorn set-ups to compare, comma-separated: workers, or workers x threads "
        "(gthread); the first also serves the other scenarios and the reference. "
        "Default: 2 workers of 4 threads, as deploy/intake-web.service runs.",
    )
    parser.add_argument(
        "--scenarios", default="report,api,queue", help="Which of report, api, queue to load."
    )
    parser.add_argument(
        "--no-reference", action="store_true", help="Skip the new-process-per-file API check."
    )
    args = parser.parse_args()
    wanted = {SCENARIO_KEYS[key] for key in args.scenarios.split(",")}
    servers = [Server.parse(text) for text in args.servers.split(",")]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    directory = ensure(args.scale, args.seed, forms=False, out=args.data)
    apps = read_applications(directory)
    work = directory / "web"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    province = busiest_province(apps, directory)
    rows: list[list[object]] = []
    memories: list[tuple[Server, Memory]] = []
    clients = [int(c) for c in args.clients.split(",")]
    started = load_average()
    with database(args.backend, work) as url:
        token = fill(url, directory, apps, province)
        for index, server in enumerate(servers):
            with gunicorn(url, work / "instance", server) as (base, master):
                plan = [s for s in scenarios(base, apps, token, work) if s.name in wanted]
                if index > 0:  # the other set-ups: the API check only
                    plan = [s for s in plan if s.name.startswith("API check")]
                rows += load(base, master, plan, clients, args.duration, work, server)
                memories.append((server, memory(master)))
        api = [replace(s, name=FRESH_NAME) for s in plan if s.name.startswith("API check")]
        if api and not args.no_reference:
            with gunicorn(url, work / "instance", servers[0], FRESH_PARSER) as (base, master):
                rows += load(base, master, api, clients, args.duration, work, servers[0])
    print(machine() + f" (at the start: {started})")
    print(
        f"## Web under load: gunicorn --preload, {args.backend}, {len(apps)} applications; "
        f"queue of {province}; wrk {args.duration} s per line\n"
    )
    header = ["page", "clients", "response", "requests", "req/s", "p50", "p95", "errors", "target"]
    header += ["gunicorn", "server CPU per request", "wrk CPU per request"]
    print(table(header, rows))
    print()
    for server, peaks in memories:
        print(
            f"Peak RSS, {server} (INTAKE_PARSE_WORKERS parser workers at most per gunicorn "
            f"worker): {peaks}"
        )


if __name__ == "__main__":
    main()
