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
# few enough that each worker gets several calls.
BATCH_COLUMNS = 2400
# A batch holds crops at most this much wider than its narrowest (plus a few columns):
# the narrow ones are padded to the widest, and padding costs as much as text.
WIDTH_SPREAD = 1.3
WIDTH_SLACK = 32

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

    Crops are sorted by their width at 48 pixels high and batched with those of
    nearly the same width, each batch padded only to its widest crop (RapidOCR's
    own batching pads every line to at least 320 columns, which costs a form of
    short cells a third more). The batches run on as many threads as there are
    cores, each inference on one thread, the costliest first: on small line
    images that beats one inference spread over all cores.
    """
    engine = _engine()
    if not hasattr(engine, "rec_batch"):
        return _recognize_chunks(engine, crops, deadline)
    widths = [_rec_width(c) for c in crops]
    batches = _batches(widths)
    batches.sort(key=lambda b: -len(b) * widths[b[-1]])

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


def _batches(widths: list[int]) -> list[list[int]]:
    """Indices of the crops grouped, narrowest first, into batches of similar width.

    A batch holds at most BATCH_COLUMNS padded columns, and no crop much wider than
    its narrowest.
    """
    batches: list[list[int]] = []
    current: list[int] = []
    for index in sorted(range(len(widths)), key=widths.__getitem__):
        padded = math.ceil(widths[index] / WIDTH_STEP) * WIDTH_STEP
        full = (len(current) + 1) * padded > BATCH_COLUMNS
        if current and (full or padded > WIDTH_SPREAD * widths[current[0]] + WIDTH_SLACK):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def _tensor(crops: list[Array], batch: list[int], widths: list[int]) -> NDArray[np.float32]:
    """The batch's crops at 48 pixels high, scaled to -1..1, padded with 0 to the widest."""
    padded = math.ceil(max(widths[i] for i in batch) / WIDTH_STEP) * WIDTH_STEP
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
