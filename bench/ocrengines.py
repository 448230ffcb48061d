"""RapidOCR 1.4.4 (rapidocr-onnxruntime, PP-OCRv4) against RapidOCR 3.x (rapidocr, PP-OCRv6 small).

    .venv/bin/python -m bench.ocrengines [--per-kind 1]

The same reader (page finding, seal, grid, cells) with only the line recogniser
and the orientation classifier swapped, over the office-scan corpus: fields
right, wrong values at or above the LOW_CONFIDENCE threshold, a calibration
table and the time per file. Both are installed: RapidOCR 3 reads by default,
RapidOCR 1.4.4 stays as ``INTAKE_OCR_ENGINE=rapidocr``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from intake.parsers import ocrengine
from intake.parsers.ocrengine import RapidOcr3
from tests.fixtures import office_scans
from tests.fixtures.office_score import calibration, ocr_cache_dir, score_file, table

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Print one table per engine."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-kind", type=int, default=1)
    args = parser.parse_args()
    folder = ROOT / ".cache" / "office-scans"
    files = office_scans.build(folder, per_kind=args.per_kind)
    from rapidocr_onnxruntime import RapidOCR

    older = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    engines = (("rapidocr-onnxruntime 1.4.4", older, "v1"), ("rapidocr 3.x", RapidOcr3(), "v3"))
    for name, engine, tag in engines:
        ocrengine._engine_instance = engine
        # A cache of its own per engine: the first run times the reading, later runs reuse it.
        cache = ocr_cache_dir(folder)
        cache = cache.with_name(f"{cache.name}-engine-{tag}")
        scores = [score_file(path, cache) for path in files]
        print(f"### {name}\n\n{table(scores)}\n\n{calibration(scores)}\n")


if __name__ == "__main__":
    main()
