"""The red seal: found on scans, not confused with other red marks, lifted off the text."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest

from intake.parsers import image, seal
from tests.fixtures import scan_variants as variants
from tests.fixtures.data import FORMS

RED = (40, 30, 210)  # BGR

Page = np.ndarray[Any, np.dtype[np.uint8]]


def white_page() -> Page:
    """A blank A4 page at 200 dpi with a line of black text-like bars."""
    page = np.full((2339, 1654, 3), 255, dtype=np.uint8)
    for x in range(1000, 1360, 40):
        cv2.rectangle(page, (x, 1890), (x + 25, 1930), (20, 20, 20), -1)
    return page


def sealed_page() -> Page:
    """The white page with a synthetic seal over its text."""
    return variants.draw_seal(white_page(), (1180, 1910), radius=150)


@pytest.mark.parametrize(("name", "sealed"), [("v09", True), ("v10", False), ("v11", True)])
def test_sample_scans(name: str, sealed: bool) -> None:
    page = image.render_pdf_pages(FORMS / f"{name}.pdf", [0])[0]
    assert seal.detect_seal(page) is sealed


def test_seal_is_found_with_its_box() -> None:
    found = seal.find_seal(sealed_page())
    assert found is not None
    x0, y0, x1, y1 = found.box
    assert (x0 + x1) / 2 == pytest.approx(1180, abs=10)
    assert (y0 + y1) / 2 == pytest.approx(1910, abs=10)
    assert x1 - x0 == pytest.approx(300, abs=20)


def test_seal_on_a_rotated_noisy_jpeg_page_is_found() -> None:
    page = variants.add_noise(variants.rotate(sealed_page(), 2.0), sigma=6)
    decoded = cv2.imdecode(np.frombuffer(variants.jpeg(page, 75), np.uint8), cv2.IMREAD_COLOR)
    assert seal.detect_seal(np.asarray(decoded, np.uint8))


def test_page_without_red_has_no_seal() -> None:
    assert not seal.detect_seal(white_page())


def test_red_underline_is_not_a_seal() -> None:
    page = white_page()
    cv2.line(page, (900, 1950), (1400, 1950), RED, 6)
    assert not seal.detect_seal(page)


def test_small_red_mark_is_not_a_seal() -> None:
    page = white_page()
    cv2.circle(page, (1200, 1900), 30, RED, 5)
    assert not seal.detect_seal(page)


def test_solid_red_block_is_not_a_seal() -> None:
    page = white_page()
    cv2.rectangle(page, (1000, 1700), (1300, 2000), RED, -1)
    assert not seal.detect_seal(page)


def test_black_ring_is_not_a_seal() -> None:
    page = white_page()
    cv2.circle(page, (1180, 1910), 150, (30, 30, 30), 8)
    assert not seal.detect_seal(page)


def test_grayscale_page_has_no_seal() -> None:
    gray = np.asarray(cv2.cvtColor(sealed_page(), cv2.COLOR_BGR2GRAY), np.uint8)
    assert not seal.detect_seal(gray)


def test_lifting_red_keeps_black_text_under_the_seal() -> None:
    page = sealed_page()
    flat = seal.lift_red(image.flatten_lighting(seal.red_channel(page)), page)
    # The ring (left of the text) is gone ...
    assert flat[1910, 1180 - 150] == 255
    # ... and a bar of black text under the seal is still black.
    assert flat[1910, 1100] < 80
    ink = image.ink_mask(flat)
    assert (ink[1700:2100, 1000:1360] > 0).sum() == pytest.approx(9 * 26 * 41, rel=0.15)
