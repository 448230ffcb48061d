"""The shared PP-OCR engine (RapidOCR): line recognition and the upside-down vote."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

from intake.parsers.ocrcache import Deadline

Array = NDArray[np.uint8]

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
            from rapidocr_onnxruntime import RapidOCR

            _engine_instance = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
        return _engine_instance


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
