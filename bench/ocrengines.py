"""RapidOCR 1.4.4 (rapidocr-onnxruntime, PP-OCRv4) against RapidOCR 3.x (rapidocr, PP-OCRv6 small).

    PYTHONPATH=.:/path/to/rapidocr3 .venv/bin/python -m bench.ocrengines [--per-kind 1]

The same reader (page finding, seal, grid, cells) with only the line recogniser
and the orientation classifier swapped, over the office-scan corpus: fields
right, wrong values at or above the LOW_CONFIDENCE threshold, a calibration
table and the time per file. RapidOCR 3 is not a dependency of the service:
install it aside (``pip install --target DIR rapidocr omegaconf colorlog``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from intake.parsers import ocrengine
from tests.parsers import office_scans
from tests.parsers.office_score import calibration, ocr_cache_dir, score_file, table

ROOT = Path(__file__).resolve().parents[1]


class RapidOcr3:
    """RapidOCR 3.x behind the two calls the reader makes of RapidOCR 1.4.4."""

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        self.engine = RapidOCR()

    def text_rec(self, crops: list[Any]) -> tuple[list[tuple[str, float]], float]:
        """Text and score of each line crop."""
        from rapidocr.ch_ppocr_rec import TextRecInput

        out = self.engine._load_rec_model()(TextRecInput(img=crops))
        return list(zip(out.txts, out.scores, strict=True)), float(out.elapse or 0)

    def text_cls(self, crops: list[Any]) -> tuple[list[Any], list[tuple[str, float]], float]:
        """Orientation (0 or 180) of each line crop."""
        out = self.engine._load_cls_model()(crops)
        return out.img_list, list(out.cls_res), float(out.elapse or 0)


def main() -> None:
    """Print one table per engine."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-kind", type=int, default=1)
    args = parser.parse_args()
    folder = ROOT / ".cache" / "office-scans"
    files = office_scans.build(folder, per_kind=args.per_kind)
    engines = (("rapidocr-onnxruntime 1.4.4", None, "v1"), ("rapidocr 3.x", RapidOcr3(), "v3"))
    for name, engine, tag in engines:
        ocrengine._engine_instance = engine
        # A cache of its own per engine: the first run times the reading, later runs reuse it.
        cache = ocr_cache_dir(folder)
        cache = cache.with_name(f"{cache.name}-engine-{tag}")
        scores = [score_file(path, cache) for path in files]
        print(f"### {name}\n\n{table(scores)}\n\n{calibration(scores)}\n")


if __name__ == "__main__":
    main()
