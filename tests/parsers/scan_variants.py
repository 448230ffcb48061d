"""Synthetic scans and photos of a digital form, and hostile images, for the OCR tests.

A digital PDF is rendered at scanner resolution; a red seal (ring, star and
text-like strokes, blended like ink) is put over 申请单位名称（公章）; then the
page is rotated, noised and JPEG-compressed into an image-only PDF (a scan),
or downsampled, perspective-warped, unevenly lit and saved as JPG (a photo).
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from numpy.typing import NDArray
from PIL import Image

Array = NDArray[np.uint8]
SEAL_RED = np.array([60, 40, 215], dtype=np.float64)  # BGR


def render(pdf: Path, dpi: int = 200) -> Array:
    """First page of a PDF as a BGR array."""
    doc = pdfium.PdfDocument(pdf)
    try:
        pil = doc[0].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        doc.close()
    return np.ascontiguousarray(np.asarray(pil)[:, :, ::-1])


def signature_point(pdf: Path, dpi: int = 200) -> tuple[int, int]:
    """Pixel centre of the 公章 words of the digital form at ``dpi``."""
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[0]
        words = page.extract_words()
    for word in words:
        if "公章" in word["text"]:
            scale = dpi / 72
            x = (word["x0"] + word["x1"]) / 2 * scale
            y = (word["top"] + word["bottom"]) / 2 * scale
            return round(x), round(y)
    raise LookupError("no 公章 on the page")


def draw_seal(page: Array, centre: tuple[int, int], radius: int, seed: int = 0) -> Array:
    """The page with a red seal (ring, star, strokes around the rim) blended over it."""
    rng = np.random.default_rng(seed)
    ink = np.zeros(page.shape[:2], dtype=np.uint8)
    cx, cy = centre
    cv2.circle(ink, centre, radius, 255, max(4, radius // 18), cv2.LINE_AA)
    star = []
    for i in range(10):
        r = radius * (0.30 if i % 2 == 0 else 0.12)
        angle = -math.pi / 2 + i * math.pi / 5
        star.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    cv2.fillPoly(ink, [np.array(star, dtype=np.int32)], 255, cv2.LINE_AA)
    # Character-like strokes along the upper rim, as the unit's name is set on a seal.
    for k in range(14):
        angle = math.pi * (1.1 + 0.8 * k / 13)
        base = (cx + 0.72 * radius * math.cos(angle), cy + 0.72 * radius * math.sin(angle))
        for _ in range(4):
            dx, dy = rng.uniform(-0.08, 0.08, 2) * radius
            ex, ey = rng.uniform(-0.08, 0.08, 2) * radius
            p0 = (round(base[0] + dx), round(base[1] + dy))
            p1 = (round(base[0] + ex), round(base[1] + ey))
            cv2.line(ink, p0, p1, 255, max(2, radius // 40), cv2.LINE_AA)
    alpha = (ink.astype(np.float64) / 255 * 0.9)[:, :, None]
    tinted = page.astype(np.float64) * (SEAL_RED / 255)
    out = page.astype(np.float64) * (1 - alpha) + tinted * alpha
    return np.clip(out, 0, 255).astype(np.uint8)


def rotate(page: Array, degrees: float) -> Array:
    """Page rotated about its centre, white corners."""
    height, width = page.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    out = cv2.warpAffine(page, matrix, (width, height), borderValue=(255, 255, 255))
    return np.asarray(out, np.uint8)


def add_noise(page: Array, sigma: float, seed: int = 0) -> Array:
    """Gaussian sensor noise plus a sprinkle of dark specks."""
    rng = np.random.default_rng(seed)
    noisy = page.astype(np.float64) + rng.normal(0, sigma, page.shape)
    specks = rng.random(page.shape[:2]) < 0.0004
    noisy[specks] = 60
    return np.clip(noisy, 0, 255).astype(np.uint8)


def jpeg(page: Array, quality: int) -> bytes:
    """The page as JPEG bytes."""
    ok, data = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def image_pdf(pages: list[bytes], target: Path, dpi: int = 200) -> Path:
    """An image-only PDF with one JPEG page image per page."""
    images = [Image.open(io.BytesIO(data)).convert("RGB") for data in pages]
    images[0].save(target, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return target


def scan_of(pdf: Path, target: Path, *, angle: float = 1.5, seal: bool = True) -> Path:
    """An image-only PDF as a scanner makes it: sealed, rotated, noisy, JPEG q75."""
    page = render(pdf, 200)
    if seal:
        page = draw_seal(page, signature_point(pdf, 200), radius=150)
    page = add_noise(rotate(page, angle), sigma=6)
    return image_pdf([jpeg(page, 75)], target)


def photo_of(pdf: Path, target: Path, *, upside_down: bool = False, sideways: bool = False) -> Path:
    """A phone photo of the printed, sealed form at about 150 dpi, as JPG."""
    page = draw_seal(render(pdf, 200), signature_point(pdf, 200), radius=150, seed=1)
    height, width = page.shape[:2]
    size = (round(width * 0.75), round(height * 0.75))
    page = np.asarray(cv2.resize(page, size, interpolation=cv2.INTER_AREA), np.uint8)
    page = perspective(page, 0.02)
    page = uneven_light(page)
    page = add_noise(np.asarray(cv2.GaussianBlur(page, (3, 3), 0.7), np.uint8), sigma=4, seed=2)
    if upside_down:
        page = np.ascontiguousarray(page[::-1, ::-1])
    if sideways:
        page = np.ascontiguousarray(np.rot90(page, k=1))
    target.write_bytes(jpeg(page, 85))
    return target


def perspective(page: Array, amount: float) -> Array:
    """A slight keystone: the top edge narrower than the bottom, one side tilted."""
    height, width = page.shape[:2]
    dx, dy = amount * width, amount * height
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    dst = np.array(
        [[dx, dy * 0.5], [width - dx * 0.6, 0], [width, height], [0, height - dy * 0.4]],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(page, matrix, (width, height), borderValue=(235, 235, 235))
    return np.asarray(out, np.uint8)


def uneven_light(page: Array) -> Array:
    """A lamp in one corner: brightness falls from 1.0 to about 0.65 across the page."""
    height, width = page.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width]
    distance = np.hypot(xs / width, ys / height) / math.sqrt(2)
    light = (1.0 - 0.35 * distance)[:, :, None]
    return np.asarray(np.clip(page.astype(np.float64) * light, 0, 255), np.uint8)


def rescan(pdfs: list[Path], target: Path) -> Path:
    """One image-only PDF whose pages are the first pages of ``pdfs``, as a scanner saves them."""
    return image_pdf([jpeg(render(pdf, 200), 80) for pdf in pdfs], target)


def text_photo(target: Path) -> Path:
    """A readable picture that is not the form: lines of text, no table."""
    page = np.full((1400, 1000, 3), 250, dtype=np.uint8)
    for i in range(12):
        text = f"Meeting notes line {i + 1}: budget review and schedule"
        cv2.putText(page, text, (60, 100 + 90 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (30, 30, 30), 2)
    target.write_bytes(jpeg(page, 90))
    return target


def blank_photo(target: Path) -> Path:
    """An evenly grey sheet of paper with sensor noise and nothing written on it."""
    page = add_noise(np.full((1600, 1200, 3), 236, dtype=np.uint8), sigma=3)
    target.write_bytes(jpeg(page, 90))
    return target


def huge_png(target: Path, width: int = 30_000, height: int = 30_000) -> Path:
    """A tiny file whose PNG header claims a gigantic image (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    data = zlib.compress(row * 16)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    target.write_bytes(png)
    return target


def many_page_pdf(target: Path, pages: int) -> Path:
    """An image-only PDF with ``pages`` small blank pages."""
    blank = jpeg(np.full((400, 300, 3), 255, dtype=np.uint8), 50)
    return image_pdf([blank] * pages, target, dpi=50)
