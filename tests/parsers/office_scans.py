"""A corpus of the files offices really send: scans, phone photos, screenshots and TIFFs.

Every kind is made from pages drawn by ``office_forms`` (random valid applications
in Debian CJK fonts) the way the device makes it: a grey 300 dpi scan, a 1-bit
150 dpi scan (the red seal turns grey or black), pages turned 90/180/270°, skewed
3–4° on a scanner's black lid, a sideways page made upright only by the PDF's
/Rotate, the 声明 and seal on a second page, 12-megapixel photos on a wooden desk
with a pen, a mug, a phone and a sticky note, tilted 15–20° with a shadow, the
same stored sideways with an EXIF orientation flag or shrunk to 1280 px, a
screenshot of a PDF viewer, and multi-page TIFFs (1-bit G4, colour LZW).

``build(folder)`` writes each file with a ``.json`` beside it holding the
application and the problem codes the generator put in; it is deterministic, so
a file already there is not made again.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image
from pypdf import PdfReader, PdfWriter

from tests.parsers.office_forms import FONTS, Truth, draw_pages, random_application

Array = NDArray[np.uint8]
FONT_CYCLE = list(FONTS)
PER_KIND = 3
VERSION = "3"


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _gray(page: Array) -> Array:
    return np.asarray(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), np.uint8)


def _noise(page: Array, sigma: float, seed: int) -> Array:
    noisy = page.astype(np.float64) + _rng(seed).normal(0, sigma, page.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _pil(page: Array) -> Image.Image:
    if page.ndim == 2:
        return Image.fromarray(page)
    return Image.fromarray(np.ascontiguousarray(page[:, :, ::-1]))


def _pdf(pages: list[Image.Image], target: Path, dpi: int) -> None:
    """An image-only PDF; grey and colour pages as JPEG, 1-bit pages as they are."""
    frames = []
    for page in pages:
        if page.mode == "1":
            frames.append(page)
        else:
            buffer = io.BytesIO()
            page.save(buffer, "JPEG", quality=80)
            frames.append(Image.open(io.BytesIO(buffer.getvalue())))
    frames[0].save(target, "PDF", resolution=dpi, save_all=True, append_images=frames[1:])


def _scanner_gray(page: Array, seed: int) -> Array:
    """A colour page as a grey scanner sees it: luminance, a little blur and sensor noise."""
    gray = np.asarray(cv2.GaussianBlur(_gray(page), (3, 3), 0.6), np.uint8)
    return _noise(gray, 4, seed)


def _one_bit(page: Array, seed: int) -> Image.Image:
    """A 1-bit scan: a fixed threshold as office scanners use (a seal turns black or white)."""
    gray = _scanner_gray(page, seed)
    return Image.fromarray(np.where(gray < 150, 0, 255).astype(np.uint8)).convert("1")


def _skew(page: Array, degrees: float, border: int) -> Array:
    """The page turned ``degrees`` on a black scanner lid ``border`` pixels wider on each side."""
    height, width = page.shape[:2]
    canvas = np.zeros((height + 2 * border, width + 2 * border, *page.shape[2:]), np.uint8)
    matrix = cv2.getRotationMatrix2D((width / 2 + border, height / 2 + border), degrees, 1.0)
    shifted = np.zeros_like(canvas)
    shifted[border : border + height, border : border + width] = page
    mask = np.zeros(canvas.shape[:2], np.uint8)
    mask[border : border + height, border : border + width] = 255
    size = (canvas.shape[1], canvas.shape[0])
    turned = cv2.warpAffine(shifted, matrix, size, flags=cv2.INTER_LINEAR)
    covered = cv2.warpAffine(mask, matrix, size, flags=cv2.INTER_NEAREST) > 0
    canvas[covered] = turned[covered]
    out: Array = canvas[border // 2 : -border // 2, border // 2 : -border // 2]
    return np.ascontiguousarray(out)


# ---------------------------------------------------------------- scans


def grey_300(truth: Truth, font: str, seed: int, target: Path) -> None:
    page = draw_pages(truth.application, font, 300, seal_seed=seed)[0]
    _pdf([_pil(_scanner_gray(page, seed))], target, 300)


def bw_150(truth: Truth, font: str, seed: int, target: Path) -> None:
    page = draw_pages(truth.application, font, 150, seal_seed=seed)[0]
    _pdf([_one_bit(page, seed)], target, 150)


def turned(truth: Truth, font: str, seed: int, target: Path) -> None:
    page = draw_pages(truth.application, font, 200, seal_seed=seed)[0]
    page = np.ascontiguousarray(np.rot90(page, k=[1, 2, 3][seed % 3]))
    _pdf([_pil(_noise(page, 4, seed))], target, 200)


def skewed(truth: Truth, font: str, seed: int, target: Path) -> None:
    page = draw_pages(truth.application, font, 200, seal_seed=seed)[0]
    degrees = [3.0, -3.5, 4.0][seed % 3]
    _pdf([_pil(_scanner_gray(_skew(page, degrees, 80), seed))], target, 200)


def rotate_flag(truth: Truth, font: str, seed: int, target: Path) -> None:
    """Stored sideways; the PDF's /Rotate turns it upright on screen."""
    page = draw_pages(truth.application, font, 200, seal_seed=seed)[0]
    quarter = 90 if seed % 2 else 270
    stored = np.rot90(page, k=1 if quarter == 90 else -1)
    plain = io.BytesIO()
    _pil(_noise(np.ascontiguousarray(stored), 4, seed)).save(plain, "PDF", resolution=200)
    writer = PdfWriter()
    for sheet in PdfReader(io.BytesIO(plain.getvalue())).pages:
        writer.add_page(sheet.rotate(quarter))
    with target.open("wb") as handle:
        writer.write(handle)


def two_pages(truth: Truth, font: str, seed: int, target: Path) -> None:
    pages = draw_pages(truth.application, font, 200, two_pages=True, seal_seed=seed)
    _pdf([_pil(_scanner_gray(p, seed + i)) for i, p in enumerate(pages)], target, 200)


def tiff_g4(truth: Truth, font: str, seed: int, target: Path) -> None:
    pages = draw_pages(truth.application, font, 200, two_pages=seed % 3 != 0, seal_seed=seed)
    frames = [_one_bit(p, seed + i) for i, p in enumerate(pages)]
    frames[0].save(
        target,
        "TIFF",
        compression="group4",
        dpi=(200, 200),
        save_all=True,
        append_images=frames[1:],
    )


def tiff_lzw(truth: Truth, font: str, seed: int, target: Path) -> None:
    pages = draw_pages(truth.application, font, 200, two_pages=seed % 3 != 0, seal_seed=seed)
    frames = [_pil(_noise(p, 3, seed + i)) for i, p in enumerate(pages)]
    frames[0].save(
        target,
        "TIFF",
        compression="tiff_lzw",
        dpi=(200, 200),
        save_all=True,
        append_images=frames[1:],
    )


# ---------------------------------------------------------------- photos


def _desk(height: int, width: int, seed: int) -> Array:
    """A wood table: warm brown with grain along one direction and knots of darker tone."""
    rng = _rng(seed)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    grain = np.sin(ys / 9.0 + 3 * np.sin(xs / 400.0) + rng.uniform(0, 6)) * 0.5 + 0.5
    fine = cv2.resize(rng.random((height // 8, width // 8)).astype(np.float32), (width, height))
    tone = 0.75 + 0.15 * grain + 0.1 * fine
    base = np.array([60, 105, 150], np.float32) * rng.uniform(0.8, 1.1)
    return np.clip(tone[:, :, None] * base, 0, 255).astype(np.uint8)


def _objects(frame: Array, page_quad: Array, seed: int) -> None:
    """A pen, a mug seen from above, a phone and a sticky note, around (and a little over) the page."""
    rng = _rng(seed)
    height, width = frame.shape[:2]
    # Mug: a ring with a handle, in a free corner.
    cx, cy = int(width * 0.88), int(height * 0.12)
    cv2.circle(frame, (cx, cy), int(width * 0.07), (225, 225, 230), -1, cv2.LINE_AA)
    cv2.circle(frame, (cx, cy), int(width * 0.055), (40, 50, 70), -1, cv2.LINE_AA)
    cv2.ellipse(frame, (cx - int(width * 0.08), cy), (40, 70), 0, 0, 360, (220, 220, 225), 25)
    # Phone: a black rounded slab at the bottom right.
    box = cv2.boxPoints(((width * 0.9, height * 0.8), (width * 0.12, height * 0.2), 8.0))
    cv2.fillPoly(frame, [box.astype(np.int32)], (25, 25, 28), cv2.LINE_AA)
    # Pen: a long thin blue bar across the left margin of the desk.
    x0 = int(width * rng.uniform(0.02, 0.06))
    cv2.line(
        frame,
        (x0, int(height * 0.3)),
        (x0 + 60, int(height * 0.75)),
        (120, 50, 20),
        22,
        cv2.LINE_AA,
    )
    # Sticky note: a yellow square over the page's top-left corner (the margin only).
    tl = [float(v) for v in page_quad[0]]
    note = cv2.boxPoints(((tl[0] + 40, tl[1] + 40), (260, 260), -12.0))
    cv2.fillPoly(frame, [note.astype(np.int32)], (90, 230, 250), cv2.LINE_AA)


def _photo(truth: Truth, font: str, seed: int) -> Array:
    """A 12-megapixel (4000 × 3000, portrait) photo of the printed, sealed form on a desk."""
    rng = _rng(seed)
    page = draw_pages(truth.application, font, 240, seal_seed=seed)[0]
    ph, pw = page.shape[:2]
    height, width = 4000, 3000
    frame = _desk(height, width, seed)
    tilt = math.radians(rng.uniform(15, 20) * (1 if seed % 2 else -1))
    scale = 0.82 * min(
        height / (ph * math.cos(tilt) + pw * math.sin(abs(tilt))),
        width / (pw * math.cos(tilt) + ph * math.sin(abs(tilt))),
    )
    corners = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32) - [pw / 2, ph / 2]
    turn = np.array([[math.cos(tilt), -math.sin(tilt)], [math.sin(tilt), math.cos(tilt)]])
    quad = (corners @ turn.T) * scale + [width / 2, height / 2]
    # The camera is not square on: the far edge looks a little narrower.
    quad[0] += [width * 0.02, height * 0.01]
    quad[1] += [-width * 0.02, height * 0.01]
    quad = quad.astype(np.float32)
    matrix = cv2.getPerspectiveTransform(
        np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32), quad
    )
    warped = cv2.warpPerspective(page, matrix, (width, height), flags=cv2.INTER_AREA)
    inside = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (width, height)) > 128
    paper_tint = np.array([0.93, 0.96, 0.98])
    frame[inside] = (warped[inside] * paper_tint).astype(np.uint8)
    _objects(frame, quad, seed)
    # A shadow (a hand or the phone) over one side of the page, soft-edged.
    shade = np.zeros((height, width), np.float32)
    x = int(width * rng.uniform(0.55, 0.7))
    cv2.fillPoly(shade, [np.array([[x, 0], [width, 0], [width, height], [x + 400, height]])], 1.0)
    shade = cv2.GaussianBlur(shade, (0, 0), 60)
    ys, xs = np.mgrid[0:height, 0:width]
    light = (1.0 - 0.3 * shade) * (1.0 - 0.15 * np.hypot(xs / width, ys / height))
    photo = frame.astype(np.float32) * light[:, :, None]
    photo = cv2.GaussianBlur(photo, (0, 0), 1.0)
    return _noise(np.clip(photo, 0, 255).astype(np.uint8), 3, seed)


def _jpeg(photo: Array, target: Path, exif_orientation: int | None = None) -> None:
    picture = _pil(photo)
    exif = Image.Exif()
    if exif_orientation:
        exif[0x0112] = exif_orientation
    picture.save(target, "JPEG", quality=88, exif=exif.tobytes())


def photo_desk(truth: Truth, font: str, seed: int, target: Path) -> None:
    _jpeg(_photo(truth, font, seed), target)


def photo_exif(truth: Truth, font: str, seed: int, target: Path) -> None:
    """Stored as the sensor saw it (sideways or upside down); EXIF says how to turn it."""
    photo = _photo(truth, font, seed)
    orientation, k = [(6, 1), (8, -1), (3, 2)][seed % 3]
    _jpeg(np.ascontiguousarray(np.rot90(photo, k=k)), target, orientation)


def photo_1280(truth: Truth, font: str, seed: int, target: Path) -> None:
    """A photo shrunk by a messenger app to 1280 px on its longer side."""
    photo = _photo(truth, font, seed)
    small = cv2.resize(photo, (960, 1280), interpolation=cv2.INTER_AREA)
    _jpeg(np.asarray(small, np.uint8), target)


def screenshot(truth: Truth, font: str, seed: int, target: Path) -> None:
    """A 2560 × 1600 screenshot of the scan open in a PDF viewer, page fitted to the height."""
    height, width = 1600, 2560
    frame = np.full((height, width, 3), (89, 86, 82), np.uint8)
    frame[:56] = (50, 50, 50)
    for i, x in enumerate(range(40, 700, 110)):
        cv2.rectangle(frame, (x, 18), (x + 70 + 10 * (i % 2), 38), (200, 200, 200), -1)
    dpi = round((height - 100) / (297 / 25.4))
    page = draw_pages(truth.application, font, dpi, seal_seed=seed)[0]
    _ph, pw = page.shape[:2]
    x0, y0 = (width - pw) // 2, 56 + 22
    page = page[: height - y0]
    frame[y0 + 6 : y0 + 6 + page.shape[0], x0 + 6 : x0 + 6 + pw] = (60, 60, 60)
    frame[y0 : y0 + page.shape[0], x0 : x0 + pw] = page
    _pil(frame).save(target, "PNG")


KINDS: dict[str, tuple[str, Callable[[Truth, str, int, Path], None]]] = {
    "grey-300": ("pdf", grey_300),
    "bw-150": ("pdf", bw_150),
    "turned": ("pdf", turned),
    "skewed": ("pdf", skewed),
    "rotate-flag": ("pdf", rotate_flag),
    "two-pages": ("pdf", two_pages),
    "photo-desk": ("jpg", photo_desk),
    "photo-exif": ("jpg", photo_exif),
    "photo-1280": ("jpg", photo_1280),
    "screenshot": ("png", screenshot),
    "tiff-g4": ("tif", tiff_g4),
    "tiff-lzw": ("tif", tiff_lzw),
}


def build(folder: Path, kinds: list[str] | None = None, per_kind: int = PER_KIND) -> list[Path]:
    """Write the corpus (files already made by this generator version are kept); their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k, name in enumerate(kinds or list(KINDS)):
        suffix, make = KINDS[name]
        for i in range(per_kind):
            seed = 1000 * (k + 1) + i
            target = folder / f"{name}-{i + 1}.{suffix}"
            meta = target.with_suffix(".json")
            out.append(target)
            if target.exists() and meta.exists() and _version(meta) == VERSION:
                continue
            # The second form of each kind has no seal, so that a seal is not found where there is none.
            truth = random_application(seed, sealed=i != 1)
            make(truth, FONT_CYCLE[(k + i) % len(FONT_CYCLE)], seed, target)
            record: dict[str, Any] = {
                "kind": name,
                "font": FONT_CYCLE[(k + i) % len(FONT_CYCLE)],
                "version": VERSION,
                "application": truth.application,
                "codes": truth.codes,
            }
            meta.write_text(json.dumps(record, ensure_ascii=False, indent=1), "utf-8")
    return out


def _version(meta: Path) -> str:
    try:
        return str(json.loads(meta.read_text("utf-8")).get("version"))
    except (OSError, ValueError):
        return ""
