"""The red seal (公章): find it, and lift red ink off the page before OCR.

A seal is a large, roughly round ring of red ink (with red text and usually a
star inside). A red underline, a tick or a small red mark is not a seal. The
same red mask serves both purposes: the seal is detected from it, and the
masked pixels are set to white so that the seal does not break the reading of
the text it covers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.uint8]
Box = tuple[int, int, int, int]

# A seal is 38-45 mm across; the page is about 210 mm wide. Accept 8-40 % of the width.
MIN_DIAMETER_FRACTION = 0.08
MAX_DIAMETER_FRACTION = 0.40
MAX_ASPECT = 1.6
MIN_RING_COVERAGE = 0.55
# Inside the ring a seal has a star and text: far from solid red.
MAX_CORE_DENSITY = 0.5


@dataclass(frozen=True)
class Seal:
    """A seal found on a page: its bounding box in page pixels."""

    box: Box


def red_mask(image: Array) -> Array:
    """Mask (255) of red ink: red or pink hue, clearly saturated, not dark."""
    if image.ndim != 3:
        return np.zeros(image.shape[:2], dtype=np.uint8)
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    low = cv2.inRange(hsv, (0, 70, 90), (12, 255, 255))
    high = cv2.inRange(hsv, (158, 70, 90), (180, 255, 255))
    return np.asarray(cv2.bitwise_or(low, high), dtype=np.uint8)


def reddish_mask(image: Array) -> Array:
    """Mask (255) of anything tinted red, seal edges included, but not black text under a seal."""
    if image.ndim != 3:
        return np.zeros(image.shape[:2], dtype=np.uint8)
    blue, green, red = (image[:, :, i].astype(np.int16) for i in range(3))
    tint = red - np.maximum(green, blue)
    return np.asarray(np.where((tint >= 25) & (red >= 90), 255, 0), np.uint8)


def red_channel(image: Array) -> Array:
    """The page's red channel: red ink is nearly as bright as paper there, black ink stays dark."""
    if image.ndim != 3:
        return image
    return np.ascontiguousarray(image[:, :, 2])


def lift_red(flat: Array, image: Array) -> Array:
    """Set what is left of red ink in a lighting-flattened page to paper white.

    Only pixels that are light in ``flat`` are touched, so black strokes under a
    seal keep their shape.
    """
    if image.ndim != 3:
        return flat
    tinted = cv2.dilate(reddish_mask(image), np.ones((3, 3), np.uint8)) > 0
    out = flat.copy()
    out[tinted & (flat >= 140)] = 255
    return out


def find_seal(image: Array, mask: Array | None = None) -> Seal | None:
    """The seal on a BGR page, or None when there is no large red ring."""
    if mask is None:
        mask = red_mask(image)
    width = image.shape[1]
    min_d = MIN_DIAMETER_FRACTION * width
    max_d = MAX_DIAMETER_FRACTION * width
    # Close the gaps between a seal's strokes so that ring, text and star join up.
    close = max(3, int(width * 0.006)) | 1
    joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((close, close), np.uint8))
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    best: Seal | None = None
    best_size = 0.0
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if not (min_d <= max(w, h) <= max_d) or max(w, h) > MAX_ASPECT * min(w, h):
            continue
        if not _is_ring(mask, (x, y, x + w, y + h)) or _is_filled(mask, (x, y, x + w, y + h)):
            continue
        if w * h > best_size:
            best, best_size = Seal((x, y, x + w, y + h)), float(w * h)
    return best


def detect_seal(image: Array) -> bool:
    """True when the page shows a red seal."""
    return find_seal(image) is not None


def _is_ring(mask: Array, box: Box) -> bool:
    """True when red ink runs around most of the ellipse inscribed in ``box``."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    rx, ry = (x1 - x0) / 2, (y1 - y0) / 2
    steps = 180
    hits = 0
    height, width = mask.shape
    for i in range(steps):
        angle = 2 * math.pi * i / steps
        dx, dy = math.cos(angle), math.sin(angle)
        found = False
        # Search the outer 15 % of the radius along the ray for red ink.
        for frac in np.linspace(0.85, 1.0, 8):
            px = round(cx + dx * rx * frac)
            py = round(cy + dy * ry * frac)
            if 0 <= px < width and 0 <= py < height and mask[py, px]:
                found = True
                break
        hits += found
    return hits / steps >= MIN_RING_COVERAGE


def _is_filled(mask: Array, box: Box) -> bool:
    """True when the middle of ``box`` is mostly red (a red block or disc, not a seal)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    core = mask[y0 + h // 4 : y1 - h // 4, x0 + w // 4 : x1 - w // 4]
    return core.size > 0 and float((core > 0).mean()) > MAX_CORE_DENSITY
