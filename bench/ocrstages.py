"""Where the time of one OCR read goes, stage by stage (cProfile, cumulative seconds).

    .venv/bin/python -m bench.ocrstages [--kinds grey-300,photo-desk]

Each file of the office corpus is read once in-process without the OCR cache
under cProfile; the cumulative time of the functions that make up each stage
is printed (a stage's time includes what it calls; recognition runs on worker
threads, so its row is the wall time the page waits for it).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

from intake.parsers import parse
from tests.fixtures import office_scans

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_KINDS = "grey-300,bw-150,skewed,two-pages,photo-desk,photo-1280,screenshot,tiff-g4"

# stage -> (module file, function name) whose cumulative times add up to it.
STAGES: dict[str, list[tuple[str, str]]] = {
    "loading / rendering": [
        ("image.py", "iter_pdf_pages"),
        ("image.py", "load_image_frames"),
    ],
    "page finding": [("pagefind.py", "page_of")],
    "seal (colour and shape)": [
        ("seal.py", "find_seal"),
        ("seal.py", "find_seal_shape"),
        ("seal.py", "lift_ring"),
        ("seal.py", "lift_red"),
        ("seal.py", "red_mask"),
    ],
    "lighting, skew, grid, lines": [("ocr.py", "_cut"), ("image.py", "estimate_skew")],
    "orientation classifier": [("ocrengine.py", "looks_upside_down")],
    "line recognition": [("ocrengine.py", "recognize")],
    "cell crops (PNG data URLs)": [("image.py", "crop_data_url")],
    "layout and plausibility": [("layout.py", "read_form"), ("plausible.py", "temper")],
}


def stage_times(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative seconds per stage from a profile."""
    table = stats.stats  # type: ignore[attr-defined]
    out = {}
    for stage, functions in STAGES.items():
        total = 0.0
        for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in table.items():
            if any(filename.endswith("/" + f) and name == n for f, n in functions):
                total += ct
        out[stage] = total
    return out


def main() -> None:
    """Print one column per file."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kinds", default=DEFAULT_KINDS)
    args = parser.parse_args()
    files = office_scans.build(ROOT / ".cache" / "office-scans", args.kinds.split(","), 1)
    parse(files[0])  # load the models outside the profile
    columns = []
    for path in files:
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        parse(path)
        profile.disable()
        wall = time.perf_counter() - start
        columns.append((path.name, wall, stage_times(pstats.Stats(profile))))
    print("| stage | " + " | ".join(name for name, _, _ in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for stage in STAGES:
        cells = " | ".join(f"{times[stage]:.2f}" for _, _, times in columns)
        print(f"| {stage} | {cells} |")
    print("| **whole read (profiled)** | " + " | ".join(f"{w:.2f}" for _, w, _ in columns) + " |")


if __name__ == "__main__":
    main()
