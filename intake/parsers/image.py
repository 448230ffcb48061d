"""Page images: loading uploads safely, lighting, skew, perspective and orientation.

Every function works on 8-bit BGR or grayscale ``numpy`` arrays as OpenCV
uses them. Loading enforces the limits that keep a hostile upload (a
decompression bomb, a corrupt file, a one-pixel image) from reaching OCR.
"""

from __future__ import annotations

import base64
import math
import warnings
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from intake.parsers.text import FileUnreadable

Array = NDArray[np.uint8]
Box = tuple[int, int, int, int]

MAX_PIXELS = 80_000_000
MIN_SIDE = 300
MAX_PAGES = 20
RENDER_DPI = 200
# A page rendered for OCR never gets a longer side than this (200 dpi A3 is ~3300).
MAX_RENDER_SIDE = 4000
# Pages are read at about 200 dpi: a 12-megapixel phone photo is scaled down to this.
MAX_WORK_SIDE = 2400
# Pages scanned below 200 dpi are scaled up to A4 at 200 dpi, at most this much.
A4_LONG_SIDE = 2339
MAX_UPSCALE = 2.0
MIN_LONG_SIDE = 1600
# Turns smaller than this (degrees) are not worth resampling the page for.
MIN_ROTATION = 0.05

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# iPhone photos arrive as HEIC: Pillow opens them through libheif like any other image.
register_heif_opener()


def load_image_file(path: Path) -> Array:
    """Decode a JPG/PNG upload into an upright BGR array, or raise FileUnreadable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                _check_size(img.size)
                img.load()
                upright = ImageOps.exif_transpose(img)
                rgb = upright.convert("RGB")
    except FileUnreadable:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FileUnreadable("图片像素过多，无法处理（可能是异常文件）") from exc
    except UnidentifiedImageError as exc:
        raise FileUnreadable("图片文件已损坏或格式不受支持，无法读取") from exc
    except Exception as exc:
        # Malformed image data surfaces from PIL's decoders and EXIF reader as many
        # exception types (OSError, SyntaxError, struct.error, KeyError, ...).
        raise FileUnreadable("图片文件已损坏或格式不受支持，无法读取") from exc
    return _to_bgr(rgb)


def load_image_frames(path: Path) -> list[Array]:
    """Every page of an image upload (a scanner's TIFF holds several) as upright BGR arrays."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                count = getattr(img, "n_frames", 1)
                if count > MAX_PAGES:
                    raise FileUnreadable(f"页数过多（{count} 页），扫描件最多识别 {MAX_PAGES} 页")
                frames = []
                for index in range(count):
                    img.seek(index)
                    _check_size(img.size)
                    img.load()
                    rgb = ImageOps.exif_transpose(img).convert("RGB")
                    frames.append(_to_bgr(rgb))
    except FileUnreadable:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FileUnreadable("图片像素过多，无法处理（可能是异常文件）") from exc
    except UnidentifiedImageError as exc:
        raise FileUnreadable("图片文件已损坏或格式不受支持，无法读取") from exc
    except Exception as exc:
        # As in load_image_file: PIL's decoders fail with many exception types.
        raise FileUnreadable("图片文件已损坏或格式不受支持，无法读取") from exc
    return frames


def _to_bgr(rgb: Image.Image) -> Array:
    """An RGB PIL image as an OpenCV BGR array (cvtColor swaps channels faster than numpy)."""
    return np.asarray(cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR), np.uint8)


def _check_size(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise FileUnreadable("图片像素过多，无法处理（可能是异常文件）")
    if min(width, height) < MIN_SIDE:
        raise FileUnreadable("图片尺寸过小，无法识别（短边至少 300 像素）")


def pdf_page_count(path: Path) -> int:
    """Number of pages of a PDF, or FileUnreadable."""
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise FileUnreadable("PDF 文件已损坏或已加密，无法打开") from exc
    try:
        return len(pdf)
    finally:
        pdf.close()


def render_pdf_pages(path: Path, pages: list[int], dpi: int = RENDER_DPI) -> list[Array]:
    """Render the given 0-based pages of a PDF as BGR arrays at about ``dpi``."""
    return list(iter_pdf_pages(path, pages, dpi))


def iter_pdf_pages(path: Path, pages: list[int], dpi: int = RENDER_DPI) -> Iterator[Array]:
    """Render the given 0-based pages one at a time (only one page image in memory)."""
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise FileUnreadable("PDF 文件已损坏或已加密，无法打开") from exc
    try:
        for index in pages:
            if not 0 <= index < len(pdf):
                raise FileUnreadable(f"PDF 中没有第 {index + 1} 页")
            page = pdf[index]
            width, height = page.get_size()
            scale = min(dpi / 72, MAX_RENDER_SIDE / max(width, height, 1))
            # PDFium draws in BGR, OpenCV's order: copy its pixels as they are.
            bitmap = page.render(scale=scale, force_bitmap_format=pdfium_raw.FPDFBitmap_BGR)
            yield np.array(bitmap.to_numpy(), np.uint8)
    finally:
        pdf.close()


def limit_size(picture: Array, max_side: int = MAX_WORK_SIDE) -> Array:
    """The picture scaled down so that its longer side is at most ``max_side`` pixels."""
    height, width = picture.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1:
        return picture
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(picture, size, interpolation=cv2.INTER_AREA), np.uint8)


def working_resolution(picture: Array, long_side: int = A4_LONG_SIDE) -> Array:
    """A page below about 140 dpi scaled up to 200 dpi; a 1-bit page smoothed first.

    The table and line finding is tuned for about 200 dpi and the recogniser reads
    jagged 1-bit strokes at 150 dpi badly; grey edges put back by a slight blur help it.
    """
    height, width = picture.shape[:2]
    scale = min(MAX_UPSCALE, long_side / max(height, width))
    if _is_one_bit(picture):
        picture = np.asarray(cv2.GaussianBlur(picture, (0, 0), 0.7), np.uint8)
    if max(height, width) >= MIN_LONG_SIDE:
        # 150 dpi and up reads well as it is (and the sample photos were tuned there).
        return picture
    size = (round(width * scale), round(height * scale))
    return np.asarray(cv2.resize(picture, size, interpolation=cv2.INTER_CUBIC), np.uint8)


def _is_one_bit(picture: Array) -> bool:
    """True when almost every pixel is black or white (a fax-style scan)."""
    sample = picture[::7, ::7]
    middle = (sample > 40) & (sample < 215)
    return float(middle.mean()) < 0.003


def is_colourless(picture: Array, spread: int = 12) -> bool:
    """True when no sampled pixel's channels differ by more than ``spread`` (a grey page)."""
    if picture.ndim == 2:
        return True
    # Per-pixel maxima and minima of three channels are slow in numpy (a reduction over an
    # axis of length 3); OpenCV's 8-bit max, min and subtract give the same spread.
    channels = cv2.split(np.ascontiguousarray(picture[::5, ::5]))
    brightest = cv2.max(cv2.max(channels[0], channels[1]), channels[2])
    darkest = cv2.min(cv2.min(channels[0], channels[1]), channels[2])
    return bool(int(cv2.subtract(brightest, darkest).max()) <= spread)


def to_gray(image: Array) -> Array:
    """Grayscale copy of a BGR or gray image."""
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), np.uint8)


def flatten_lighting(gray: Array) -> Array:
    """Divide out uneven lighting (a photo's shadows) so paper is near white everywhere."""
    # The background varies slowly: estimate it on a quarter-size copy (16 times less work).
    height, width = gray.shape
    small = cv2.resize(
        gray, (max(1, width // 4), max(1, height // 4)), interpolation=cv2.INTER_AREA
    )
    size = max(5, (min(small.shape) // 40) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((size, size), np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), size / 2)
    background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, background, scale=255)
    return np.asarray(flat, dtype=np.uint8)


def ink_mask(gray: Array) -> Array:
    """Binary mask (255 = ink) of a lighting-flattened grayscale page, specks removed."""
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    # Otsu on a nearly blank page picks a threshold inside paper noise; never accept that.
    _, light = cv2.threshold(gray, 200, 255, cv2.THRESH_BINARY_INV)
    ink = np.asarray(cv2.bitwise_and(binary, light), np.uint8)
    # Specks are parts of fewer than 4 pixels: count each part's pixels over the ink
    # pixels only (a lookup over the whole page, background included, is much slower).
    count, labels = cv2.connectedComponents(ink, connectivity=8)
    points = cv2.findNonZero(ink)
    if points is None:
        return ink
    xy = np.asarray(points, np.int32).reshape(-1, 2)
    own = np.asarray(labels)[xy[:, 1], xy[:, 0]]
    speck = np.bincount(own, minlength=count)[own] < 4
    ink[xy[speck, 1], xy[speck, 0]] = 0
    return ink


def label_components(mask: Array) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Labels and statistics of the 8-connected parts of a mask, as OpenCV gives them.

    The statistics are the columns of ``cv2.connectedComponentsWithStats`` (left, top,
    width, height, area) for every label but the background's, whose row is left at 0.
    That function spends most of its time (about 20 ms on a 200 dpi page) adding every
    background pixel to label 0; here only the ink pixels are visited.
    """
    count, found = cv2.connectedComponents(mask, connectivity=8)
    labels: NDArray[np.int32] = np.asarray(found, np.int32)
    stats = np.zeros((count, 5), np.int32)
    points = cv2.findNonZero(mask)
    if points is None:
        return labels, stats
    xy = np.asarray(points, np.int32).reshape(-1, 2)
    xs, ys = xy[:, 0], xy[:, 1]
    own = labels[ys, xs]
    low = np.full((2, count), np.iinfo(np.int32).max, np.int32)
    high = np.full((2, count), -1, np.int32)
    for axis, values in enumerate((xs, ys)):
        np.minimum.at(low[axis], own, values)
        np.maximum.at(high[axis], own, values)
    stats[1:, cv2.CC_STAT_LEFT] = low[0, 1:]
    stats[1:, cv2.CC_STAT_TOP] = low[1, 1:]
    stats[1:, cv2.CC_STAT_WIDTH] = high[0, 1:] - low[0, 1:] + 1
    stats[1:, cv2.CC_STAT_HEIGHT] = high[1, 1:] - low[1, 1:] + 1
    stats[1:, cv2.CC_STAT_AREA] = np.bincount(own, minlength=count)[1:]
    return labels, stats


def paint_components(
    labels: NDArray[np.int32], stats: NDArray[np.int32], chosen: NDArray[np.bool_]
) -> Array:
    """A mask (255) of the chosen components of a labelling, label 0 never chosen.

    Only a few components are ever chosen (long rules, underlines): each is painted
    inside its bounding box, instead of looking every pixel's label up in ``chosen``.
    """
    out = np.zeros(labels.shape, np.uint8)
    for label in np.flatnonzero(chosen[1:]) + 1:
        x, y = stats[label, cv2.CC_STAT_LEFT], stats[label, cv2.CC_STAT_TOP]
        w, h = stats[label, cv2.CC_STAT_WIDTH], stats[label, cv2.CC_STAT_HEIGHT]
        window = out[y : y + h, x : x + w]
        window[labels[y : y + h, x : x + w] == label] = 255
    return out


def estimate_skew(ink: Array) -> float:
    """Angle in degrees of the page's horizontal rules and text rows (0 on a blank page).

    Short horizontal runs of ink are projected along candidate angles; the angle
    whose projection is sharpest (largest sum of squared row counts) wins.
    """
    run = max(9, ink.shape[1] // 100)
    runs = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    # findNonZero lists the points in the same (row by row) order as np.nonzero, faster.
    points = cv2.findNonZero(runs)
    if points is None or len(points) < 50:
        return 0.0
    xy = np.asarray(points, np.int32).reshape(-1, 2)
    xs, ys = xy[:, 0], xy[:, 1]
    if len(xs) > 60_000:
        pick = np.random.default_rng(0).choice(len(xs), 60_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    best = _sharpest(xs, ys, np.arange(-5.0, 5.01, 0.25))
    return _sharpest(xs, ys, np.arange(best - 0.3, best + 0.31, 0.03))


def _sharpest(xs: NDArray[np.int32], ys: NDArray[np.int32], angles: NDArray[np.float64]) -> float:
    """The angle along which the points' row histogram is sharpest."""
    scores = []
    x = xs.astype(np.float64)
    y = ys.astype(np.float64)
    for angle in angles:
        projected = y - x * math.tan(math.radians(angle))
        counts = np.bincount((projected - projected.min()).astype(np.intp))
        scores.append(float(np.dot(counts, counts)))
    return float(angles[int(np.argmax(scores))])


def rotate(image: Array, degrees: float) -> Array:
    """Rotate about the centre by ``degrees`` (counter-clockwise), filling with white."""
    if abs(degrees) < MIN_ROTATION:
        return image
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    border = (255, 255, 255) if image.ndim == 3 else 255
    rotated = cv2.warpAffine(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=border,
    )
    return np.asarray(rotated, dtype=np.uint8)


def rotate_180(image: Array) -> Array:
    """The page turned upside down."""
    return np.asarray(cv2.flip(image, -1), np.uint8)


def rotate_90(image: Array) -> Array:
    """The page turned a quarter clockwise."""
    return np.asarray(cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE), np.uint8)


def straighten(image: Array, quad: NDArray[np.float32]) -> Array:
    """Warp the page so that ``quad`` (the table's corners TL, TR, BR, BL) becomes a rectangle."""
    tl, tr, br, bl = quad
    x0 = float((tl[0] + bl[0]) / 2)
    x1 = float((tr[0] + br[0]) / 2)
    y0 = float((tl[1] + tr[1]) / 2)
    y1 = float((bl[1] + br[1]) / 2)
    target = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    height, width = image.shape[:2]
    border = (255, 255, 255) if image.ndim == 3 else 255
    warped = cv2.warpPerspective(
        image, matrix, (width, height), borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )
    return np.asarray(warped, dtype=np.uint8)


def line_crop(gray: Array, box: Box, clip: Box | None = None, pad: int = 4) -> Array:
    """The line's pixels with a little white around, as the BGR the recogniser wants."""
    height, width = gray.shape
    cx0, cy0, cx1, cy1 = clip if clip is not None else (0, 0, width, height)
    x0, y0, x1, y1 = box
    crop = gray[
        max(cy0, y0 - pad) : min(cy1, y1 + pad),
        max(cx0, x0 - pad) : min(cx1, x1 + pad),
    ]
    padded = cv2.copyMakeBorder(crop, 6, 6, 8, 8, cv2.BORDER_CONSTANT, value=255)
    return np.asarray(cv2.cvtColor(padded, cv2.COLOR_GRAY2BGR), np.uint8)


def crop_data_url(picture: Array, box: Box, max_width: int = 360, max_bytes: int = 20_000) -> str:
    """A small PNG of the box as a data: URL, downscaled until it is under ~20 KB.

    Colours are posterised to 8 levels a channel: scan noise then costs PNG
    almost nothing, and text and a red seal still show plainly.
    """
    x0, y0, x1, y1 = box
    crop = picture[max(0, y0) : y1 + 1, max(0, x0) : x1 + 1]
    crop = np.asarray((crop // 32).astype(np.uint16) * 255 // 7, np.uint8)
    width = max_width
    while True:
        if crop.shape[1] > width:
            scale = width / crop.shape[1]
            size = (width, max(1, round(crop.shape[0] * scale)))
            crop = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), np.uint8)
        ok, png = cv2.imencode(".png", crop, [cv2.IMWRITE_PNG_COMPRESSION, 3])
        if not ok:
            return ""
        if len(png) <= max_bytes or width <= 60:
            return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode("ascii")
        if crop.ndim == 3:
            crop = np.asarray(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), np.uint8)
        width = int(min(width, crop.shape[1]) * 0.7)
