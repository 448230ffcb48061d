"""The shared PP-OCR engine (RapidOCR): line recognition and the upside-down vote.

RapidOCR 3 with the PP-OCRv6 small models reads the office-scan corpus better
than RapidOCR 1.4 with PP-OCRv4 (97.7 % of fields against 93.0 %; README,
"Scans and photos"); ``INTAKE_OCR_ENGINE=rapidocr`` still selects the older one.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

from intake.parsers.ocrcache import Deadline

Array = NDArray[np.uint8]

# "rapidocr3" (rapidocr 3, PP-OCRv6 small) or "rapidocr" (rapidocr-onnxruntime 1.4, PP-OCRv4).
ENGINE_SETTING = "INTAKE_OCR_ENGINE"
DEFAULT_ENGINE = "rapidocr3"
UPSIDE_DOWN_VOTE = 0.6
REC_CHUNK = 12
REC_WORKERS = max(1, min(4, os.cpu_count() or 1))

_engine_lock = threading.Lock()
_engine_instance: Any = None


def _engine() -> Any:
    """The shared RapidOCR instance (its three models load once, in well under a second)."""
    global _engine_instance
    with _engine_lock:
        if _engine_instance is None:
            if os.environ.get(ENGINE_SETTING, DEFAULT_ENGINE) == "rapidocr3":
                _engine_instance = RapidOcr3()
            else:
                from rapidocr_onnxruntime import RapidOCR

                _engine_instance = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
        return _engine_instance


class RapidOcr3:
    """RapidOCR 3 (PP-OCRv6 small models) behind the two calls made of RapidOCR 1.4."""

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        self.engine: Any = RapidOCR(
            params={
                "Global.log_level": "error",
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def __call__(self, picture: Array) -> Any:
        """Detection, orientation and recognition over a whole page (the benchmark's reference)."""
        return self.engine(picture)

    def text_rec(self, crops: list[Array]) -> tuple[list[tuple[str, float]], float]:
        """Text and score of each line crop."""
        from rapidocr.ch_ppocr_rec import TextRecInput

        out = self.engine._load_rec_model()(TextRecInput(img=crops))
        return list(zip(out.txts, out.scores, strict=True)), float(out.elapse or 0)

    def text_cls(self, crops: list[Array]) -> tuple[list[Array], list[tuple[str, float]], float]:
        """Orientation (0 or 180) of each line crop."""
        out = self.engine._load_cls_model()(crops)
        return list(out.img_list), list(out.cls_res), float(out.elapse or 0)


def recognize(crops: list[Array], deadline: Deadline | None = None) -> list[tuple[str, float]]:
    """Text and score of each single-line crop (BGR), in order.

    Crops of similar shape are batched together (less padding), and the batches
    run on as many threads as there are cores, each inference on one thread:
    on small line images that beats one inference spread over all cores.
    """
    engine = _engine()
    order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0])
    chunks = [order[i : i + REC_CHUNK] for i in range(0, len(order), REC_CHUNK)]

    def run(chunk: list[int]) -> list[tuple[str, float]]:
        if deadline is not None:
            deadline.check()
        result, _ = engine.text_rec([crops[i] for i in chunk])
        return [(str(text), float(score)) for text, score in result]

    out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
    with ThreadPoolExecutor(max_workers=REC_WORKERS) as pool:
        for chunk, results in zip(chunks, pool.map(run, chunks), strict=True):
            for index, result in zip(chunk, results, strict=True):
                out[index] = result
    return out


def looks_upside_down(crops: list[Array]) -> bool:
    """True when most text line crops are classified as turned by 180°."""
    if not crops:
        return False
    _, labels, _ = _engine().text_cls(list(crops))
    turned = sum(1 for label, score in labels if label == "180" and score > 0.7)
    return turned >= UPSIDE_DOWN_VOTE * len(crops)
