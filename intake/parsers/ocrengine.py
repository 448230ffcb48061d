"""The shared PP-OCR engine (RapidOCR): line recognition and the upside-down vote.

RapidOCR 3 with the PP-OCRv6 small models reads the office-scan corpus better
than RapidOCR 1.4 with PP-OCRv4 (97.7 % of fields against 93.0 %; README,
"Scans and photos"); ``INTAKE_OCR_ENGINE=rapidocr`` still selects the older one.
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import cv2
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
# The recogniser reads lines 48 pixels high, of any width (its cost grows with the width).
REC_HEIGHT = 48
WIDTH_STEP = 8
# Columns of one recognition call (crops × their padded width): enough to amortise the call,
# few enough that its activations stay in the core's cache and each worker gets several
# calls (bench/ocrbatch.py compares 600, 1200 and 2400).
BATCH_COLUMNS = 1200
# Each crop is padded to the next of these widths, set by its own width alone (each 12 %
# wider than the last, in steps of WIDTH_STEP): what a line reads as then does not depend on
# the other lines of its page, and crops of one width share a call.
PAD_GROWTH = 1.12
FIRST_PAD = 64

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

    def rec_batch(self, batch: NDArray[np.float32]) -> list[tuple[str, float]]:
        """Text and score of each line of a normalised batch (N × 3 × 48 × W)."""
        rec = self.engine._load_rec_model()
        lines, _ = rec.postprocess_op(rec.session(batch), False)
        return [(str(text), float(score)) for text, score in lines]

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

    Each crop, at 48 pixels high, is padded to the next of a fixed series of widths
    set by its own width alone (``padded_width``), so a line reads the same whatever
    else is on its page; crops of one padded width share a call. RapidOCR's own
    batching pads every line of a call to its widest, and to at least 320 columns,
    which makes a cell's reading depend on its neighbours and costs a form of short
    cells a third more. The calls run on as many threads as there are cores, each
    inference on one thread, the costliest first: on small line images that beats
    one inference spread over all cores.
    """
    engine = _engine()
    if not hasattr(engine, "rec_batch"):
        return _recognize_chunks(engine, crops, deadline)
    widths = [_rec_width(c) for c in crops]
    batches = _batches(widths)
    batches.sort(key=lambda b: -len(b) * padded_width(widths[b[0]]))

    def run(batch: list[int]) -> list[tuple[str, float]]:
        if deadline is not None:
            deadline.check()
        result: list[tuple[str, float]] = engine.rec_batch(_tensor(crops, batch, widths))
        return result

    out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
    with ThreadPoolExecutor(max_workers=REC_WORKERS) as pool:
        for batch, results in zip(batches, pool.map(run, batches), strict=True):
            for index, result in zip(batch, results, strict=True):
                out[index] = result
    return out


def _rec_width(crop: Array) -> int:
    """The crop's width once scaled to the recogniser's height."""
    height, width = crop.shape[:2]
    return max(WIDTH_STEP, math.ceil(REC_HEIGHT * int(width) / max(1, int(height))))


def padded_width(width: int) -> int:
    """The width a crop of this width (at 48 pixels high) is padded to: its bucket's edge."""
    edge = FIRST_PAD
    while edge < width:
        edge = math.ceil(edge * PAD_GROWTH / WIDTH_STEP) * WIDTH_STEP
    return edge


def _batches(widths: list[int]) -> list[list[int]]:
    """Indices of the crops grouped by padded width, each group cut into calls.

    A call holds at most BATCH_COLUMNS padded columns (a single wider crop alone).
    """
    groups: dict[int, list[int]] = {}
    for index, width in enumerate(widths):
        groups.setdefault(padded_width(width), []).append(index)
    batches: list[list[int]] = []
    for padded, members in sorted(groups.items()):
        size = max(1, BATCH_COLUMNS // padded)
        batches.extend(members[i : i + size] for i in range(0, len(members), size))
    return batches


def _tensor(crops: list[Array], batch: list[int], widths: list[int]) -> NDArray[np.float32]:
    """The batch's crops at 48 pixels high, scaled to -1..1, padded with 0 to their bucket."""
    padded = max(padded_width(widths[i]) for i in batch)
    out = np.zeros((len(batch), 3, REC_HEIGHT, padded), np.float32)
    for row, index in enumerate(batch):
        line = cv2.resize(crops[index], (widths[index], REC_HEIGHT))
        if line.ndim == 2:
            line = line[:, :, None]
        out[row, :, :, : widths[index]] = line.transpose(2, 0, 1).astype(np.float32) / 127.5 - 1
    return out


def _recognize_chunks(
    engine: Any, crops: list[Array], deadline: Deadline | None
) -> list[tuple[str, float]]:
    """RapidOCR 1.4's own batching, in chunks of similar shape on the worker threads."""
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
