"""The command line as a reviewer runs it: ``intake check`` of one form, whole process.

    .venv/bin/python -m bench.cli [--repeat 15]

Wall time of ``intake check FORM.docx`` (parsed in a limited worker, the default)
and of ``intake check --in-process``, each run a fresh process, interleaved with
the references measured in the same run: a bare ``python -c pass``,
``python -c "import docx"`` (python-docx's import alone) and ``python -c "import
sqlalchemy.orm"`` (the floor of any command that reads the registry through the
ORM), and the same ``intake check`` with the registry read through the ORM (a database
URL with options, as any database but a plain SQLite file is read). Then ``intake
check`` of a 1 GB PDF deflate bomb: its verdict, wall time and
the peak memory of the whole process tree (the command's own peak RSS plus the
largest of its workers').
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, machine, median, ms, percentile, table, verdict

PYTHON = sys.executable
TARGET_S = 0.3
TREE_LIMIT_MB = 1024
FORM = ROOT / "tests" / "data" / "forms" / "v01.docx"
REGISTRY = ROOT / "tests" / "data" / "registry" / "sample"
# Runs the command in this process and prints the peak RSS of itself and of its children.
MEASURED = """
import json, resource, sys
from intake.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
finally:
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"self_kb": self_kb, "children_kb": children_kb}), file=sys.stderr)
"""


def intake(*args: str) -> list[str]:
    """The ``intake`` command of this interpreter's environment."""
    return [PYTHON, "-m", "intake.cli", *args]


def wall(command: list[str], env: dict[str, str]) -> float:
    """Seconds one run of the command takes, start to exit."""
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


@dataclass(frozen=True)
class Bomb:
    """What ``intake check`` of the bomb reported and used."""

    codes: list[str]
    seconds: float
    command_mb: float
    worker_mb: float


def bomb_tree(env: dict[str, str], work: Path) -> Bomb:
    """``intake check`` of a deflate bomb: verdict, seconds, peak MB of command and workers."""
    from tests.fixtures.hostile import pdf_deflate_bomb

    bomb = pdf_deflate_bomb(work)
    start = time.perf_counter()
    run = subprocess.run(
        [PYTHON, "-c", MEASURED, "check", str(bomb), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    peaks = json.loads(run.stderr.strip().splitlines()[-1])
    report = json.loads(run.stdout)
    return Bomb(
        codes=[p["code"] for p in report["problems"]],
        seconds=seconds,
        command_mb=peaks["self_kb"] / 1024,
        worker_mb=peaks["children_kb"] / 1024,
    )


def main() -> None:
    """Load the sample registry, time each command interleaved, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        work = Path(folder)
        env = {**os.environ, "INTAKE_INSTANCE_PATH": str(work / "instance")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        subprocess.run(
            intake("registry", "load", str(REGISTRY)), env=env, check=True, capture_output=True
        )
        orm_url = f"sqlite:///{work / 'instance' / 'intake.sqlite3'}?timeout=10"
        commands = {
            "intake check FORM.docx (limited worker)": intake("check", str(FORM)),
            "intake check --in-process FORM.docx": intake("check", "--in-process", str(FORM)),
            "reference: intake check FORM.docx, registry through the ORM": intake(
                "check", str(FORM), "--db", orm_url
            ),
            'reference: python -c "import docx"': [PYTHON, "-c", "import docx"],
            'reference: python -c "import sqlalchemy.orm"': [
                PYTHON,
                "-c",
                "import sqlalchemy.orm",
            ],
            "reference: python -c pass": [PYTHON, "-c", "pass"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():
            wall(command, env)  # warm the file cache
        for _ in range(args.repeat):
            for name, command in commands.items():
                times[name].append(wall(command, env))
        bomb = bomb_tree(env, work)
    reference = median(times['reference: python -c "import docx"'])
    rows = [
        [
            name,
            ms(median(values)),
            ms(percentile(values, 0.95)),
            f"{median(values) / reference:.2f}×",
            f"≤ {TARGET_S:g} s: {verdict(median(values), TARGET_S)}"
            if name.startswith("intake")
            else "",
        ]
        for name, values in times.items()
    ]
    print(machine())
    print(f"## intake check of one .docx, whole process ({args.repeat} runs each, interleaved)\n")
    print(table(["command", "wall p50", "wall p95", "× import docx", "target"], rows))
    tree = bomb.command_mb + bomb.worker_mb
    print("\n## intake check of a 1 GB deflate bomb (PDF)\n")
    print(
        table(
            ["codes", "wall", "command peak RSS", "worker peak RSS", "tree ≤", "target"],
            [
                [
                    ", ".join(bomb.codes),
                    ms(bomb.seconds),
                    f"{bomb.command_mb:.0f} MiB",
                    f"{bomb.worker_mb:.0f} MiB",
                    f"{tree:.0f} MiB",
                    f"< {TREE_LIMIT_MB} MiB: {verdict(tree, TREE_LIMIT_MB)}",
                ]
            ],
        )
    )


if __name__ == "__main__":
    main()
