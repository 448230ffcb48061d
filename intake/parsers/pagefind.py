"""The sheet of paper in a photo, a screenshot or a scan on a black lid: find it and cut it out.

Paper is bright and nearly colourless; a wooden desk, a phone, a viewer's grey
frame or a scanner's black lid are not (or not both). The largest such region
is the page; its outline is reduced to four sides (a sticky note over a corner
only cuts that corner off, so the corner is put back where the two long sides
meet), and the page is warped flat at about 200 dpi, the resolution the
recogniser reads best, whatever the photo's own resolution.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.uint8]
Quad = NDArray[np.float32]

FIND_SIDE = 800
# The page must fill at least this share of the picture, and leave background around it.
MIN_PAGE_SHARE = 0.12
MAX_PAGE_SHARE = 0.93
MAX_SATURATION = 60
MIN_BRIGHTNESS = 95
# A4 at 200 dpi: what a cut-out page is scaled to.
PAGE_LONG_SIDE = 2339
PAGE_SHORT_SIDE = 1654


def find_page(picture: Array) -> Quad | None:
    """The page's corners (TL, TR, BR, BL) in ``picture``'s pixels; None if it fills the frame."""
    if picture.ndim != 3:
        picture = np.asarray(cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR), np.uint8)
    height, width = picture.shape[:2]
    scale = FIND_SIDE / max(height, width)
    small = cv2.resize(
        picture, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
    )
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    paper = ((hsv[:, :, 1] < MAX_SATURATION) & (hsv[:, :, 2] > MIN_BRIGHTNESS)).astype(np.uint8)
    # Close the page's own dark print (table rules, text, a seal) into one region.
    paper = np.asarray(
        cv2.morphologyEx(paper, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8)), np.uint8
    )
    paper = np.asarray(cv2.morphologyEx(paper, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)), np.uint8)
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    largest = max(contours, key=cv2.contourArea)
    share = cv2.contourArea(largest) / float(small.shape[0] * small.shape[1])
    if not MIN_PAGE_SHARE <= share <= MAX_PAGE_SHARE:
        return None
    quad = _four_sides(cv2.convexHull(largest).reshape(-1, 2).astype(np.float64))
    if quad is None:
        return None
    return np.asarray(quad / scale, dtype=np.float32)


def _four_sides(hull: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """The hull reduced to its four longest sides, corners where neighbouring sides meet."""
    perimeter = cv2.arcLength(hull.astype(np.float32), True)
    poly = cv2.approxPolyDP(hull.astype(np.float32), 0.015 * perimeter, True).reshape(-1, 2)
    if len(poly) < 4:
        return None
    edges = [(poly[i], poly[(i + 1) % len(poly)]) for i in range(len(poly))]
    longest = sorted(
        range(len(edges)), key=lambda i: -float(np.hypot(*(edges[i][1] - edges[i][0])))
    )[:4]
    sides = [edges[i] for i in sorted(longest)]
    corners = []
    for (a0, a1), (b0, b1) in zip(sides, sides[1:] + sides[:1], strict=True):
        point = _meet(a0, a1, b0, b1)
        if point is None:
            return None
        corners.append(point)
    return _order(np.array(corners, dtype=np.float64))


def _meet(
    a0: NDArray[np.float64],
    a1: NDArray[np.float64],
    b0: NDArray[np.float64],
    b1: NDArray[np.float64],
) -> NDArray[np.float64] | None:
    """Where the lines through (a0, a1) and (b0, b1) cross; None when nearly parallel."""
    da, db = a1 - a0, b1 - b0
    cross = da[0] * db[1] - da[1] * db[0]
    if abs(cross) < 1e-6 * (np.hypot(*da) * np.hypot(*db) + 1e-9) or abs(cross) < 1e-9:
        return None
    t = ((b0[0] - a0[0]) * db[1] - (b0[1] - a0[1]) * db[0]) / cross
    return np.asarray(a0 + t * da, dtype=np.float64)


def _order(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Corners as top-left, top-right, bottom-right, bottom-left (clockwise from the top-left)."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    clockwise = points[np.argsort(angles)]
    start = int(np.argmin(clockwise.sum(axis=1)))
    return np.roll(clockwise, -start, axis=0)


def cut_page(picture: Array, quad: Quad) -> Array:
    """The page inside ``quad`` warped flat to A4 at about 200 dpi (portrait or landscape)."""
    tl, tr, br, bl = quad.astype(np.float64)
    across = (math.dist(tl, tr) + math.dist(bl, br)) / 2
    down = (math.dist(tl, bl) + math.dist(tr, br)) / 2
    if down >= across:
        size = (PAGE_SHORT_SIDE, round(PAGE_SHORT_SIDE * down / max(across, 1)))
    else:
        size = (round(PAGE_SHORT_SIDE * across / max(down, 1)), PAGE_SHORT_SIDE)
    target = np.array(
        [[0, 0], [size[0] - 1, 0], [size[0] - 1, size[1] - 1], [0, size[1] - 1]], np.float32
    )
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    shrink = max(across / size[0], down / size[1])
    flags = cv2.INTER_LINEAR if shrink > 1 else cv2.INTER_CUBIC
    border = (255, 255, 255) if picture.ndim == 3 else 255
    warped = cv2.warpPerspective(
        picture, matrix, size, flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )
    return np.asarray(warped, np.uint8)


def page_of(picture: Array) -> Array:
    """The page cut out of its background, or the picture itself when it is all page."""
    quad = find_page(picture)
    return picture if quad is None else cut_page(picture, quad)
