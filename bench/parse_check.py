"""Parse and check time per form, beside the bare library's own cost for the same file.

    .venv/bin/python bench/parse_check.py [--repeat 30] [--forms DIR]

Prints a table: median and 95th percentile of our read (parse + layout), of the
check against an in-memory registry, and of the reference (python-docx's
``Document()`` for .docx, pdfplumber's ``extract_words`` over every page for
.pdf, one RapidOCR call on the page for scans), and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FORMS = ROOT / "tests" / "data" / "bench"


def timings(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per call, after one warm-up call."""
    fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def reference(path: Path) -> tuple[str, Callable[[], object]]:
    """The bare library's own cost of opening the same file."""
    if path.suffix == ".docx":
        import docx

        return "python-docx Document()", lambda: docx.Document(str(path))

    import pdfplumber

    def words() -> object:
        with pdfplumber.open(path) as pdf:
            return [page.extract_words() for page in pdf.pages]

    return "pdfplumber extract_words", words


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--forms", type=Path, default=DEFAULT_FORMS)
    args = parser.parse_args()

    from intake.checking import check_application
    from intake.parsers import parse
    from intake.verify.memory import MemoryRegistry

    registry = MemoryRegistry.from_csv_dir(ROOT / "tests" / "data" / "registry" / "sample")
    print(f"# {time.strftime('%Y-%m-%d')} · {platform.machine()} · {platform.python_version()}")
    header = f"{'form':<14}{'read p50':>10}{'read p95':>10}{'check p50':>11}"
    print(header + f"{'reference p50':>15}{'ratio':>7}  reference")
    for path in sorted(args.forms.glob("*")):
        if path.suffix not in (".docx", ".pdf"):
            continue
        app = parse(path)
        read = timings(lambda p=path: parse(p), args.repeat)
        check = timings(lambda a=app: check_application(a, registry), args.repeat)
        name, ref_fn = reference(path)
        ref = timings(ref_fn, args.repeat)
        ratio = statistics.median(read) / statistics.median(ref)
        print(
            f"{path.name:<14}{statistics.median(read) * 1000:>8.1f}ms{p95(read) * 1000:>8.1f}ms"
            f"{statistics.median(check) * 1000:>9.2f}ms{statistics.median(ref) * 1000:>13.1f}ms"
            f"{ratio:>6.2f}×  {name}"
        )


if __name__ == "__main__":
    main()
