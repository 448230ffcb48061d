"""Line recognition alone: our calls beside RapidOCR's own batching, on the same line crops.

    .venv/bin/python -m bench.ocrbatch [--kinds grey-300,photo-desk] [--repeat 3]

The crops are those the reader cuts from one file of each office kind (the test
corpus, ``tests/fixtures/office_scans.py``). Each way of calling the recogniser
reads all of them, ``--repeat`` times, in turn; the best wall and CPU seconds per
page are printed. The reference is RapidOCR 3's own ``TextRecognizer`` (crops
sorted by shape, six a call, each padded to the call's widest and to at least 320
columns, its inference on the machine's cores). Ours pads each crop to a width set
by its own width and runs calls of at most ``BATCH_COLUMNS`` columns on one thread
per core (``intake.parsers.ocrengine.recognize``). The last column counts the
crops whose text differs when read alone from when read with the rest of the page.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from pathlib import Path

from intake.parsers import ocr, ocrengine, parse
from intake.parsers.ocrengine import Array
from tests.fixtures import office_scans

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_KINDS = "grey-300,bw-150,skewed,photo-desk,screenshot,tiff-lzw"


def page_crops(paths: list[Path]) -> list[list[Array]]:
    """The line crops the reader recognises in one call for each page (its cells and lines)."""
    pages: list[list[Array]] = []
    original = ocr._recognize_page

    def keep(
        page: ocr._Page, jobs: list[Array], deadline: ocr.Deadline
    ) -> tuple[list[Array], list[tuple[str, float]], list[int]]:
        crops, read, kept = original(page, jobs, deadline)
        pages.append(crops)
        return crops, read, kept

    ocr._recognize_page = keep
    try:
        for path in paths:
            parse(path)
    finally:
        ocr._recognize_page = original
    return pages


def cpu_seconds() -> float:
    """User and system CPU seconds of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(read: Callable[[list[Array]], object], pages: list[list[Array]]) -> tuple[float, float]:
    """Wall and CPU seconds to read every page once."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    for crops in pages:
        read(crops)
    return time.perf_counter() - wall, cpu_seconds() - cpu


def ours(columns: int) -> Callable[[list[Array]], object]:
    """``recognize`` with calls of at most this many columns."""

    def read(crops: list[Array]) -> object:
        ocrengine.BATCH_COLUMNS = columns
        return ocrengine.recognize(crops)

    return read


def rapidocr_own(crops: list[Array]) -> object:
    """RapidOCR 3's own recogniser over the crops (its default batching and threads)."""
    return reference_engine().text_rec(crops)


_reference: list[ocrengine.RapidOcr3] = []


def reference_engine() -> ocrengine.RapidOcr3:
    """A RapidOCR 3 engine with onnxruntime's default threads (all cores for one call)."""
    if not _reference:
        engine = ocrengine.RapidOcr3.__new__(ocrengine.RapidOcr3)
        from rapidocr import RapidOCR

        engine.engine = RapidOCR(params={"Global.log_level": "error"})
        _reference.append(engine)
    return _reference[0]


def unstable(pages: list[list[Array]]) -> tuple[int, int]:
    """Crops read differently alone and with their page, of all crops (at the default size)."""
    differ = total = 0
    for crops in pages:
        together = ocrengine.recognize(crops)
        for crop, (text, _score) in zip(crops, together, strict=True):
            total += 1
            differ += ocrengine.recognize([crop])[0][0] != text
    return differ, total


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kinds", default=DEFAULT_KINDS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = office_scans.build(ROOT / ".cache" / "office-scans", args.kinds.split(","), 1)
    pages = page_crops(files)
    default = ocrengine.BATCH_COLUMNS
    ways: dict[str, Callable[[list[Array]], object]] = {
        "RapidOCR's own batching (reference)": rapidocr_own,
        **{f"ours, {c} columns a call": ours(c) for c in (600, default, 2400)},
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    for read in ways.values():
        read(pages[0])  # load and warm each engine outside the timings
    for _ in range(args.repeat):
        for name, read in ways.items():
            results[name].append(measure(read, pages))
    ocrengine.BATCH_COLUMNS = default
    differ, total = unstable(pages)
    columns = sum(ocrengine._rec_width(c) for crops in pages for c in crops)
    print(f"{len(pages)} pages, {total} line crops, {columns / len(pages):.0f} columns a page")
    print(f"crops read differently alone than with their page: {differ} of {total}\n")
    print("| recognition | wall s a page | CPU s a page | wall vs reference |")
    print("|---|---|---|---|")
    reference = min(w for w, _ in results[next(iter(ways))])
    for name, runs in results.items():
        wall, cpu = min(w for w, _ in runs), min(c for _, c in runs)
        n = len(pages)
        print(f"| {name} | {wall / n:.2f} | {cpu / n:.2f} | {wall / reference:.2f}× |")


if __name__ == "__main__":
    main()
