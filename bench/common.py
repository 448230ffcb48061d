"""What every benchmark shares: timing, percentiles, the machine line and plain tables."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def data_dir(scale: float, seed: int) -> Path:
    """Where the generator writes (and the benchmarks read) the data of one scale and seed."""
    return OUT / f"scale-{scale:g}-seed-{seed}"


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def timings(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per call, after one warm-up call."""
    fn()
    return [timed(fn) for _ in range(repeat)]


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of non-empty values."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), round(share * len(ordered) + 0.5)) - 1)]


def median(values: Sequence[float]) -> float:
    """The median of non-empty values."""
    return statistics.median(values)


def machine() -> str:
    """Date, CPUs, memory, Python version and the load average when the table is printed
    (what other work shared the CPUs, the 1- and 15-minute figures): the line above every
    table."""
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return (
        f"# {dt.date.today().isoformat()} · {os.cpu_count()} CPUs · "
        f"{pages / 2**30:.0f} GiB · {platform.machine()} · Python {platform.python_version()}"
        f" · {load_average()}"
    )


def load_average() -> str:
    """The machine's load average over 1 and 15 minutes (``load 1.9 / 1.2``)."""
    one, _five, fifteen = os.getloadavg()
    return f"load {one:.1f} / {fifteen:.1f}"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (it reads in a terminal and pastes into the README)."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def ms(seconds: float) -> str:
    """Seconds shown as milliseconds, with a precision that suits the size."""
    value = seconds * 1000
    return (
        f"{value:.2f} ms"
        if value < 10
        else f"{value:.1f} ms"
        if value < 1000
        else f"{value:.0f} ms"
    )


def verdict(measured: float, target: float) -> str:
    """``met`` or by how much the figure exceeds its target."""
    return "met" if measured <= target else f"missed by {measured / target - 1:.0%}"
