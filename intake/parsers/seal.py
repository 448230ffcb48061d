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
    blue, green, red = cv2.split(image)
    # OpenCV's 8-bit arithmetic is several times faster than numpy's in 16 bits; the
    # subtraction stops at 0, and a negative tint is below the threshold all the same.
    tint = cv2.subtract(red, cv2.max(green, blue))
    _, tinted = cv2.threshold(tint, 24, 255, cv2.THRESH_BINARY)
    _, bright = cv2.threshold(red, 89, 255, cv2.THRESH_BINARY)
    return np.asarray(cv2.bitwise_and(tinted, bright), np.uint8)


def red_channel(image: Array) -> Array:
    """The page's red channel: red ink is nearly as bright as paper there, black ink stays dark."""
    if image.ndim != 3:
        return image
    return np.asarray(cv2.extractChannel(image, 2), np.uint8)


def lift_red(flat: Array, image: Array) -> Array:
    """Set what is left of red ink in a lighting-flattened page to paper white.

    Only pixels that are light in ``flat`` are touched, so black strokes under a
    seal keep their shape.
    """
    if image.ndim != 3:
        return flat
    tinted = cv2.dilate(reddish_mask(image), np.ones((3, 3), np.uint8))
    _, light = cv2.threshold(flat, 139, 255, cv2.THRESH_BINARY)
    # The mask is 0 or 255: the brighter of it and the page is the page with those pixels white.
    return np.asarray(cv2.max(flat, cv2.bitwise_and(tinted, light)), np.uint8)


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


# ---------------------------------------------------------------- by shape (grey and 1-bit scans)

SHAPE_WIDTH = 400
MIN_RADIUS_FRACTION = 0.06
MAX_RADIUS_FRACTION = 0.16
MIN_SHAPE_RING = 0.75
# Seal text runs around the upper arc: ink in most of these sectors, not in one or two.
RIM_SECTORS = 10
MIN_RIM_SECTORS = 7
MIN_STAR_INK = 0.12
# Ring and print closer than this in grey cannot be told apart by brightness (a 1-bit scan).
MIN_GREY_GAP = 40


@dataclass(frozen=True)
class Ring:
    """A seal found by its shape: centre and radius in page pixels."""

    cx: float
    cy: float
    radius: float

    @property
    def box(self) -> Box:
        """The bounding box of the ring."""
        r = self.radius
        return (round(self.cx - r), round(self.cy - r), round(self.cx + r), round(self.cy + r))


def find_seal_shape(gray: Array) -> Ring | None:
    """A seal on a grey or 1-bit page: a thin ring with a star inside and text around the rim."""
    height, width = gray.shape[:2]
    scale = SHAPE_WIDTH / width
    small = cv2.resize(
        gray, (SHAPE_WIDTH, max(1, round(height * scale))), interpolation=cv2.INTER_AREA
    )
    ink = small < 170
    circles = cv2.HoughCircles(
        cv2.GaussianBlur(small, (5, 5), 1.5),
        cv2.HOUGH_GRADIENT,
        dp=1.2,
        minDist=20,
        param1=120,
        param2=22,
        minRadius=round(MIN_RADIUS_FRACTION * SHAPE_WIDTH),
        maxRadius=round(MAX_RADIUS_FRACTION * SHAPE_WIDTH),
    )
    if circles is None:
        return None
    for x, y, r in circles[0][:20]:
        ring = _fit_ring(ink, float(x), float(y), float(r))
        if ring is not None:
            cx, cy, radius = ring
            return Ring(cx / scale, cy / scale, radius / scale)
    return None


def _coverage(
    ink: NDArray[np.bool_], cx: float, cy: float, radius: float, steps: int = 120
) -> float:
    """Share of directions in which the circle of this radius (±1 pixel) meets ink."""
    return float(_coverages(ink, [(cx, cy, radius)], steps)[0])


def _coverages(
    ink: NDArray[np.bool_], circles: list[tuple[float, float, float]], steps: int = 120
) -> NDArray[np.float64]:
    """``_coverage`` of several circles (centre x, centre y, radius) at once.

    A ring is fitted by trying a few dozen circles; one array operation over all of
    them costs little more than one over a single circle.
    """
    angles = np.linspace(0, 2 * math.pi, steps, endpoint=False)
    table = np.array(circles, np.float64)
    cx, cy, radius = table[:, 0:1], table[:, 1:2], table[:, 2:3]
    hits = np.zeros((len(circles), steps), dtype=bool)
    height, width = ink.shape
    for dr in (-1.0, 0.0, 1.0):
        xs = np.round(cx + (radius + dr) * np.cos(angles)).astype(int)
        ys = np.round(cy + (radius + dr) * np.sin(angles)).astype(int)
        inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
        hits[inside] |= ink[ys[inside], xs[inside]]
    return np.asarray(hits.mean(axis=1), np.float64)


def _fit_ring(
    ink: NDArray[np.bool_], x: float, y: float, r: float
) -> tuple[float, float, float] | None:
    """The candidate circle refined to its ring, if it has a ring, a star and rim text."""
    sizes = [(x, y, float(r * k)) for k in np.linspace(0.9, 1.1, 11)]
    scores = _coverages(ink, sizes)
    # argmax takes the first of equal scores, as max() did over the same order.
    rough = sizes[int(np.argmax(scores))][2]
    if scores.max() < MIN_SHAPE_RING - 0.2:
        return None
    shifts = [
        (x + dx, y + dy, rough * k)
        for dx in (-2, 0, 2)
        for dy in (-2, 0, 2)
        for k in (0.97, 1.0, 1.03)
    ]
    scores = _coverages(ink, shifts)
    cx, cy, radius = shifts[int(np.argmax(scores))]
    if scores.max() < MIN_SHAPE_RING:
        return None
    if _coverage(ink, cx, cy, radius * 1.2) > 0.5:
        return None  # a dense patch (text block, photo), not a ring on paper
    x0, y0 = max(0, int(cx - radius)), max(0, int(cy - radius))
    window = ink[y0 : int(cy + radius) + 1, x0 : int(cx + radius) + 1]
    ys, xs = np.mgrid[y0 : y0 + window.shape[0], x0 : x0 + window.shape[1]]
    distance = np.hypot(xs - cx, ys - cy)
    ink = window
    star = ink[distance <= 0.2 * radius]
    if star.size == 0 or star.mean() < MIN_STAR_INK:
        return None
    angle = np.degrees(np.arctan2(ys - cy, xs - cx))  # -90 is straight up
    rim = (distance >= 0.55 * radius) & (distance <= 0.85 * radius) & ink
    sectors = 0
    for k in range(RIM_SECTORS):
        low = -190 + 200 * k / RIM_SECTORS
        high = low + 200 / RIM_SECTORS
        wrapped = ((angle - low) % 360) < (high - low)
        sectors += bool((rim & wrapped).sum() >= 3)
    if sectors < MIN_RIM_SECTORS and not _has_star(window, cx - x0, cy - y0, radius):
        # A 1-bit scan may drop the seal's light rim text: then the star must be there.
        return None
    return cx, cy, radius


def _has_star(ink: NDArray[np.bool_], cx: float, cy: float, radius: float) -> bool:
    """True when the ink at the centre is one blob of a star's size (text may touch its sides)."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    label = labels[min(ink.shape[0] - 1, round(cy)), min(ink.shape[1] - 1, round(cx))]
    if label == 0:
        return False
    width, height = stats[label, cv2.CC_STAT_WIDTH], stats[label, cv2.CC_STAT_HEIGHT]
    return bool(0.4 * radius <= height <= 0.8 * radius and 0.4 * radius <= width <= 1.5 * radius)


def lift_ring(flat: Array, ring: Ring) -> Array:
    """A grey page with the seal found by shape lifted off the print it covers.

    In grey the seal is lighter than black print: what is lighter than midway
    between the two is set to paper. A 1-bit scan has no such difference: the
    ring and the star are masked instead, and the print between them is kept.
    """
    out = flat.copy()
    x0, y0, x1, y1 = ring.box
    pad = round(ring.radius * 0.3)
    x0, y0 = max(0, x0 - pad), max(0, y0 - pad)
    x1, y1 = min(flat.shape[1], x1 + pad), min(flat.shape[0], y1 + pad)
    region = out[y0:y1, x0:x1]
    ys, xs = np.mgrid[y0:y1, x0:x1]
    distance = np.hypot(xs - ring.cx, ys - ring.cy)
    # The ring's ink (not the paper the band also crosses when the centre is a little off).
    band = region[(np.abs(distance - ring.radius) <= ring.radius * 0.08) & (region < 220)]
    ring_level = float(np.median(band)) if band.size else 0.0
    print_level = float(np.percentile(region, 2))
    if ring_level - print_level >= MIN_GREY_GAP:
        cut = (ring_level + print_level) / 2
        region[(distance <= ring.radius * 1.3) & (region > cut)] = 255
    else:
        region[
            (np.abs(distance - ring.radius) <= ring.radius * 0.1) | (distance <= ring.radius * 0.3)
        ] = 255
    return out
