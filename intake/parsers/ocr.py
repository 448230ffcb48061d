"""Scanned and photographed forms to ``FormText``: cell-by-cell OCR of the table.

For each page: the red seal is detected and lifted off, lighting is flattened,
the page is deskewed (and its perspective straightened on the table's
outline), turned upright when the text reads upside down, the ruled table is
cut into cells, and every text line of every cell, and of the text around the
table, is recognised with PP-OCR (RapidOCR's recognition model on line crops;
its direction classifier decides whether a page is upside down). A 统一社会信用代码
whose check digit fails is read a second time from a padded and an enlarged crop.

Results can be cached on disk by the SHA-256 of the file's bytes, so the same
upload is never read twice; a per-file time budget stops a reading that takes
too long with FileUnreadable (both in ``ocrcache``; the engine is in
``ocrengine``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from stdnum.cn import uscc as uscc_check

from intake.application import Source
from intake.parsers import grid, image, pagefind, promise, seal
from intake.parsers.ocrcache import Deadline, cache_load, cache_put
from intake.parsers.ocrengine import looks_upside_down, recognize
from intake.parsers.text import Cell, FileUnreadable, FormNotRecognized, FormText

__all__ = [
    "DEFAULT_BUDGET_S",
    "Deadline",
    "looks_upside_down",
    "ocr_pdf_pages",
    "prepare_page",
    "read_image",
    "read_page",
    "read_page_images",
    "read_scan_pdf",
    "recognize",
    "second_look",
    "tidy",
]

Array = NDArray[np.uint8]
Box = tuple[int, int, int, int]

DEFAULT_BUDGET_S = 60.0
MIN_INK_SHARE = 0.0004
CELL_MARGIN = 3
SIDEWAYS_SHAPE = 2.0

# Spaces touching a CJK character or full-width punctuation carry no meaning on the form.
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+|\s+(?=[\u3000-\u9fff\uff00-\uffef])")


@dataclass
class _Page:
    """One upright page ready for recognition."""

    gray: Array
    color: Array
    text: Array
    table: grid.Grid | None
    stamp: bool
    blank: bool = False
    cells: list[list[list[Box]]] = field(default_factory=list)
    outside: list[Box] = field(default_factory=list)
    # The page before its thin rules were erased for reading: what a re-cut starts from.
    plain: Array | None = None
    # The ink mask of ``plain``.
    ink: Array | None = None


def prepare_page(picture: Array) -> _Page:
    """Seal, red removal, lighting, skew, perspective, orientation and cutting of one page."""
    if image.is_colourless(picture):
        # A grey or 1-bit scan rendered as RGB: one channel holds it all, and no red is there.
        picture = image.to_gray(picture)
    mask = seal.red_mask(picture)
    stamp = bool(mask.any()) and seal.find_seal(picture, mask) is not None
    color = picture
    flat = image.flatten_lighting(seal.red_channel(picture))
    if not stamp:
        # A grey or 1-bit scan has lost the seal's red: look for its shape instead.
        ring = seal.find_seal_shape(flat)
        if ring is not None:
            stamp, flat = True, seal.lift_ring(flat, ring)
    gray = seal.lift_red(flat, picture)
    ink = image.ink_mask(gray)
    if (ink > 0).mean() < MIN_INK_SHARE:
        return _Page(gray, color, ink, None, stamp, blank=True)
    angle = image.estimate_skew(ink)
    if abs(angle) >= image.MIN_ROTATION:
        gray, color = image.rotate(gray, angle), image.rotate(color, angle)
        ink = image.ink_mask(gray)
    page = _cut(gray, color, stamp, ink)
    # A turned page's ink mask is its mask turned (the thresholds come from the histogram
    # and a speck is a speck either way up), so the turns below do not recompute it.
    if _line_shape(page) < SIDEWAYS_SHAPE:
        # Lines of upright text are long and flat; a sideways page cuts into squat pieces.
        # A wrong quarter turn is set right by the upside-down check below.
        turned = _cut(image.rotate_90(gray), image.rotate_90(color), stamp, image.rotate_90(ink))
        page = turned if _line_shape(turned) > _line_shape(page) else page
    if looks_upside_down(_sample_crops(page)):
        plain = page.plain if page.plain is not None else page.gray
        known = None if page.ink is None else image.rotate_180(page.ink)
        page = _cut(image.rotate_180(plain), image.rotate_180(page.color), stamp, known)
    return page


def _cut(gray: Array, color: Array, stamp: bool, ink: Array | None = None) -> _Page:
    """Straighten on the table outline, then find the cells and the text lines.

    ``ink`` is the page's ink mask when the caller has it already. The ruling lines
    are isolated once and serve the outline, the grid and the text mask.
    """
    ink = image.ink_mask(gray) if ink is None else ink
    rules = grid.rule_masks(ink)
    quad = grid.table_quad(ink, rules)
    if quad is not None and _is_warped(quad):
        gray, color = image.straighten(gray, quad), image.straighten(color, quad)
        ink = image.ink_mask(gray)
        rules = grid.rule_masks(ink)
    table = grid.find_grid(ink, rules)
    text = grid.text_mask(ink, rules)
    reading = _erase_underlines(gray, ink, table.box if table is not None else None)
    page = _Page(reading, color, text, table, stamp, plain=gray, ink=ink)
    height, width = gray.shape
    if table is None:
        page.outside = grid.lines_in(text, (0, 0, width, height), split_gap=2.5)
        return page
    page.cells = [[grid.lines_in(text, _inner(box)) for box in row] for row in table.rows]
    _x0, y0, _x1, y1 = table.box
    above = grid.lines_in(text, (0, 0, width, max(0, y0 - 2)), split_gap=2.5)
    below = grid.lines_in(text, (0, min(height, y1 + 3), width, height), split_gap=2.5)
    page.outside = above + below
    return page


def _erase_underlines(gray: Array, ink: Array, table: Box | None) -> Array:
    """The page without the thin horizontal rules outside the table (the 声明's blanks).

    The line under a filled blank joins the digits above it: the recogniser then reads
    a 7 as Z or adds a 1 in front, and is sure of it.
    """
    height, width = ink.shape
    line = np.ones((1, max(40, width // 30)), np.uint8)
    runs = np.asarray(cv2.morphologyEx(ink, cv2.MORPH_OPEN, line), np.uint8)
    if table is not None:
        # Inside the table blurred strokes of neighbouring characters can join into such a
        # run; the cells are read within their rules anyway.
        x0, y0, x1, y1 = table
        runs[max(0, y0 - 3) : y1 + 4, max(0, x0 - 3) : x1 + 4] = 0
    labels, stats = image.label_components(runs)
    thin = stats[:, cv2.CC_STAT_HEIGHT] <= max(4, height // 400)
    rules = cv2.dilate(image.paint_components(labels, stats, thin), np.ones((3, 3), np.uint8))
    # The mask is 0 or 255: the brighter of it and the page is the page with the rules white.
    return np.asarray(cv2.max(gray, rules), np.uint8)


def _line_shape(page: _Page) -> float:
    """Median width-to-height ratio of the page's text line boxes."""
    boxes = [box for row in page.cells for cell in row for box in cell] + page.outside
    if not boxes:
        return 0.0
    return float(np.median([(b[2] - b[0]) / max(1, b[3] - b[1]) for b in boxes]))


def _is_warped(quad: NDArray[np.float32]) -> bool:
    """True when the table's corners are off a rectangle by more than two pixels."""
    tl, tr, br, bl = quad
    return bool(
        max(abs(tl[1] - tr[1]), abs(bl[1] - br[1]), abs(tl[0] - bl[0]), abs(tr[0] - br[0])) > 2
    )


def _inner(box: Box) -> Box:
    x0, y0, x1, y1 = box
    return (x0 + CELL_MARGIN, y0 + CELL_MARGIN, x1 - CELL_MARGIN + 1, y1 - CELL_MARGIN + 1)


def _sample_crops(page: _Page) -> list[Array]:
    """Up to a dozen line crops, the longest first, to decide the page's orientation."""
    boxes = [box for row in page.cells for cell in row for box in cell] + page.outside
    boxes.sort(key=lambda b: b[2] - b[0], reverse=True)
    return [image.line_crop(page.gray, box) for box in boxes[:12]]


def read_page(page: _Page, number: int, deadline: Deadline) -> FormText:
    """Recognise the prepared page's cells and outside lines into a one-page FormText.

    The 声明's printed promise is recognised only by two glances (``promise``): its
    lines are left out of the FormText.
    """
    jobs: list[Array] = []
    if page.table is not None:
        for row, line_rows in zip(page.table.rows, page.cells, strict=True):
            for box, lines in zip(row, line_rows, strict=True):
                jobs.extend(image.line_crop(page.gray, line, _inner(box)) for line in lines)
    crops, read, kept = _recognize_page(page, jobs, deadline)
    results = iter(second_look(crops, read, deadline))
    form = FormText(kind="scan", stamp_present=page.stamp)
    if page.table is not None:
        for r, (row, line_rows) in enumerate(zip(page.table.rows, page.cells, strict=True), 1):
            cells = []
            for c, (box, lines) in enumerate(zip(row, line_rows, strict=True), 1):
                texts = [next(results) for _ in lines]
                where = f"第{number}页 表格第{r}行第{c}列"
                cells.append(_cell(page, texts, box, where, number))
            form.rows.append(cells)
    for i in kept:
        where = f"第{number}页 第{i + 1}行"
        form.lines.append(_cell(page, [next(results)], page.outside[i], where, number))
    return form


def _recognize_page(
    page: _Page, jobs: list[Array], deadline: Deadline
) -> tuple[list[Array], list[tuple[str, float]], list[int]]:
    """The crops and readings of the cells' lines (``jobs``) and of the lines outside the
    table but the promise's, and the indices of those outside lines.

    A first, small call reads two glances at each paragraph outside the table; one
    call then reads the cells and every outside line but the promise's.
    """
    outside = page.outside
    candidates = promise.paragraphs(outside)
    looks = [crop for p in candidates for crop in promise.glances(page.gray, outside, p)]
    glanced = recognize(looks, deadline) if looks else []
    skipped = {
        i
        for k, paragraph in enumerate(candidates)
        if promise.is_promise(glanced[2 * k][0], glanced[2 * k + 1][0])
        for i in paragraph
    }
    kept = [i for i in range(len(outside)) if i not in skipped]
    crops = [*jobs, *(image.line_crop(page.gray, outside[i]) for i in kept)]
    return crops, recognize(crops, deadline), kept


def second_look(
    crops: list[Array], read: list[tuple[str, float]], deadline: Deadline | None = None
) -> list[tuple[str, float]]:
    """The readings, with two kinds of doubtful line read again from altered crops.

    A 统一社会信用代码 whose check digit fails: one character misread (A as M on a
    1-bit scan) breaks the check digit (GB 32100-2015); the same line with more white
    around it, or larger, is often read right. Its second reading is taken only when
    its check digit holds.

    A line of one or two characters read unsure (below ``SHORT_UNSURE``): a lone
    character is nearly square, which the recogniser reads poorly (司 wrapped onto a
    line of its own came back as ``s`` at 0.28). Its second reading is taken only when
    it is sure (``SHORT_SURE``); the name it belongs to is still checked against the
    registry.
    """
    checks = {i: _valid_uscc for i, (text, _) in enumerate(read) if _broken_uscc(tidy(text))}
    for i, (text, score) in enumerate(read):
        if 0 < len(tidy(text)) <= SHORT_CHARS and score < SHORT_UNSURE:
            checks[i] = _sure
    if not checks:
        return read
    suspects = sorted(checks)
    variants = [variant for i in suspects for variant in _variants(crops[i])]
    again = iter(recognize(variants, deadline))
    out = list(read)
    for index in suspects:
        tries = [next(again) for _ in range(len(variants) // len(suspects))]
        good = [t for t in tries if checks[index](t)]
        if good:
            out[index] = max(good, key=lambda t: t[1])
    return out


# A line this short read below SHORT_UNSURE is read again; a second reading replaces it
# only from SHORT_SURE on.
SHORT_CHARS = 2
SHORT_UNSURE = 0.5
SHORT_SURE = 0.8


def _valid_uscc(reading: tuple[str, float]) -> bool:
    return uscc_check.is_valid(tidy(reading[0]))


def _sure(reading: tuple[str, float]) -> bool:
    return bool(tidy(reading[0])) and reading[1] >= SHORT_SURE


_USCC_SHAPE = re.compile(r"^[0-9A-Z]{18}$")


def _broken_uscc(text: str) -> bool:
    """True for 18 digits and capitals whose check digit fails."""
    return bool(_USCC_SHAPE.match(text)) and not uscc_check.is_valid(text)


def _variants(crop: Array) -> list[Array]:
    """The line crop with a little more white around it, with more, and half as large again."""
    white = (255, 255, 255)
    padded = cv2.copyMakeBorder(crop, 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=white)
    wide = cv2.copyMakeBorder(crop, 16, 16, 24, 24, cv2.BORDER_CONSTANT, value=white)
    larger = cv2.resize(crop, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)
    return [np.asarray(v, np.uint8) for v in (padded, wide, larger)]


def _cell(page: _Page, read: list[tuple[str, float]], box: Box, where: str, number: int) -> Cell:
    """A Cell from the recognised lines of one box, with its confidence and image crop."""
    text = "\n".join(tidy(t) for t, _ in read if t.strip())
    chars = sum(max(1, len(t)) for t, _ in read)
    confidence = sum(s * max(1, len(t)) for t, s in read) / chars if read else 1.0
    source = Source(
        where=where,
        page=number,
        box=tuple(float(v) for v in box),  # type: ignore[arg-type]
        confidence=confidence,
        crop=image.crop_data_url(page.color, box),
    )
    return Cell(text=text, source=source)


def tidy(text: str) -> str:
    """Recognised text without the spaces the recogniser puts next to Chinese characters."""
    return _CJK_SPACE.sub("", text).strip()


def read_page_images(
    images: list[Array], kind: str, *, budget_s: float = DEFAULT_BUDGET_S
) -> FormText:
    """One FormText from the page images of one form (rows and lines in page order)."""
    if len(images) > image.MAX_PAGES:
        raise FileUnreadable(f"页数过多（{len(images)} 页），扫描件最多识别 {image.MAX_PAGES} 页")
    return _combine(_read_pages(images, Deadline(budget_s)), kind)


def _combine(pages: list[FormText], kind: str) -> FormText:
    """The pages of one form as one FormText; FormNotRecognized when no page has the table."""
    if all(not p.rows and not p.lines for p in pages):
        raise FormNotRecognized("页面为空白，未识别到文字")
    if all(not p.rows for p in pages):
        raise FormNotRecognized("未在图片中找到申请表的表格")
    form = FormText(kind=kind, stamp_present=any(bool(p.stamp_present) for p in pages))
    for page in pages:
        form.rows.extend(page.rows)
        form.lines.extend(page.lines)
    return form


def _read_pages(
    images: Iterable[Array], deadline: Deadline, numbers: list[int] | None = None
) -> list[FormText]:
    """Each page image read on its own (blank pages give an empty FormText)."""
    out = []
    for index, picture in enumerate(images):
        number = numbers[index] if numbers else index + 1
        deadline.check()
        if min(picture.shape[:2]) < image.MIN_SIDE:
            raise FileUnreadable("图片尺寸过小，无法识别（短边至少 300 像素）")
        upright = image.working_resolution(image.limit_size(pagefind.page_of(picture)))
        page = prepare_page(upright)
        if page.blank:
            out.append(FormText(kind="scan", stamp_present=page.stamp))
        else:
            out.append(read_page(page, number, deadline))
    return out


def read_scan_pdf(
    path: Path, *, cache_dir: Path | None = None, budget_s: float = DEFAULT_BUDGET_S
) -> FormText:
    """OCR an image-only PDF (every page) into a FormText of kind "scan"."""
    cached = cache_load(cache_dir, path, "scan")
    if cached is not None:
        return cached[0]
    count = image.pdf_page_count(path)
    if count == 0:
        raise FileUnreadable("PDF 文件没有页面")
    if count > image.MAX_PAGES:
        raise FileUnreadable(f"页数过多（{count} 页），扫描件最多识别 {image.MAX_PAGES} 页")
    deadline = Deadline(budget_s)
    form = _combine(_read_pages(image.iter_pdf_pages(path, list(range(count))), deadline), "scan")
    cache_put(cache_dir, path, "scan", [form])
    return form


def read_image(
    path: Path, *, cache_dir: Path | None = None, budget_s: float = DEFAULT_BUDGET_S
) -> FormText:
    """OCR a photographed or scanned JPG/PNG/TIFF (every page) into a FormText of kind "photo"."""
    cached = cache_load(cache_dir, path, "photo")
    if cached is not None:
        return cached[0]
    form = read_page_images(image.load_image_frames(path), "photo", budget_s=budget_s)
    cache_put(cache_dir, path, "photo", [form])
    return form


def ocr_pdf_pages(
    path: Path,
    pages: list[int],
    *,
    cache_dir: Path | None = None,
    budget_s: float = DEFAULT_BUDGET_S,
) -> list[FormText]:
    """OCR the given 0-based pages of a PDF, one FormText (kind "scan") per page."""
    key = "pages-" + ",".join(str(p) for p in pages)
    cached = cache_load(cache_dir, path, key)
    if cached is not None:
        return cached
    if len(pages) > image.MAX_PAGES:
        raise FileUnreadable(f"页数过多（{len(pages)} 页），扫描件最多识别 {image.MAX_PAGES} 页")
    deadline = Deadline(budget_s)
    numbers = [p + 1 for p in pages]
    forms = _read_pages(image.iter_pdf_pages(path, pages), deadline, numbers)
    cache_put(cache_dir, path, key, forms)
    return forms
