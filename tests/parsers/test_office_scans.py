"""The files offices really send, scored kind by kind against what the generator wrote.

The corpus (``office_scans``) and the OCR results are cached under ``.cache/``
(or ``INTAKE_OFFICE_CORPUS``): the files are deterministic and the OCR cache is
keyed by the files' bytes and by the source of the OCR modules, so a second
run reads nothing again and a change to the reader reads everything again.
Run with ``-s`` to see the table.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pillow_heif
import pytest

from intake.parsers import FileUnreadable, image, pagefind, seal, sniff
from tests.fixtures import office_forms, office_scans
from tests.fixtures.office_score import (
    FileScore,
    calibration,
    details,
    ocr_cache_dir,
    score_file,
    table,
)

# One worker builds and reads the corpus (office_scores), under a lock on its folder.
pytestmark = pytest.mark.xdist_group("office-scans")
ROOT = Path(__file__).resolve().parents[2]
PER_KIND = 2  # one sealed, one unsealed form of each kind


@pytest.fixture(scope="session")
def office_scores() -> list[FileScore]:
    """Every corpus file read once (or taken from the cache) and scored."""
    folder = Path(os.environ.get("INTAKE_OFFICE_CORPUS", ROOT / ".cache" / "office-scans"))
    folder.mkdir(parents=True, exist_ok=True)
    # Another run on the same checkout (another worker, another developer) waits here
    # rather than writing the same files at the same time; then it reads them cached.
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        files = office_scans.build(folder, per_kind=PER_KIND)
        cache = ocr_cache_dir(folder)
        scores = [score_file(path, cache) for path in files]
    print("\n" + table(scores) + "\n\n" + calibration(scores) + "\n" + details(scores))
    return scores


def by_kind(scores: list[FileScore], kind: str) -> list[FileScore]:
    """The scores of one kind of file."""
    return [s for s in scores if s.kind == kind]


@pytest.mark.slow
def test_every_kind_is_recognised_as_the_form(office_scores: list[FileScore]) -> None:
    unread = [s.path.name for s in office_scores if "FORM_NOT_RECOGNIZED" in s.codes]
    assert unread == []


@pytest.mark.slow
def test_no_value_read_wrong_is_given_at_or_above_the_threshold(
    office_scores: list[FileScore],
) -> None:
    trusted = [(s.path.name, w) for s in office_scores for w in s.confident_wrong]
    assert trusted == []


@pytest.mark.slow
def test_fields_right_over_the_whole_corpus(office_scores: list[FileScore]) -> None:
    right, total = sum(s.right for s in office_scores), sum(s.total for s in office_scores)
    assert right / total >= 0.98, details(office_scores)


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind",
    [
        "grey-300",
        "turned",
        "skewed",
        "rotate-flag",
        "two-pages",
        "photo-desk",
        "photo-exif",
        "photo-1280",
        "screenshot",
        "tiff-g4",
        "tiff-lzw",
    ],
)
def test_kinds_read_right(office_scores: list[FileScore], kind: str) -> None:
    group = by_kind(office_scores, kind)
    right, total = sum(s.right for s in group), sum(s.total for s in group)
    assert right / total >= 0.95, details(group)


@pytest.mark.slow
def test_seal_is_found_in_colour_grey_and_one_bit_and_not_where_there_is_none(
    office_scores: list[FileScore],
) -> None:
    wrong = [
        s.path.name for s in office_scores if any(path == "stamp_present" for path, *_ in s.wrong)
    ]
    assert wrong == []


@pytest.mark.slow
def test_every_page_of_a_multi_page_tiff_is_read(office_scores: list[FileScore]) -> None:
    # The 声明 and the seal are on page 2 of the second TIFF of each kind.
    for score in by_kind(office_scores, "tiff-lzw"):
        assert not [w for w in score.wrong if w[0].startswith("declaration")], score.wrong


# ---------------------------------------------------------------- fast, no OCR


def page(font: str = "uming", sealed: bool = True) -> image.Array:
    """A drawn form at 200 dpi."""
    truth = office_forms.random_application(7, sealed=sealed)
    return office_forms.draw_pages(truth.application, font, 200)[0]


def grey_page(sealed: bool = True) -> image.Array:
    """The drawn form in grey."""
    return np.asarray(cv2.cvtColor(page(sealed=sealed), cv2.COLOR_BGR2GRAY), np.uint8)


def test_grey_seal_is_found_by_its_shape() -> None:
    gray = image.flatten_lighting(grey_page())
    ring = seal.find_seal_shape(gray)
    assert ring is not None
    assert 0.08 * 1654 < 2 * ring.radius < 0.4 * 1654


def test_one_bit_seal_is_found_by_its_shape() -> None:
    gray = cv2.cvtColor(page(), cv2.COLOR_BGR2GRAY)
    binary = np.where(gray < 150, 0, 255).astype(np.uint8)
    assert seal.find_seal_shape(binary) is not None


def test_unsealed_grey_page_has_no_seal_shape() -> None:
    gray = cv2.cvtColor(page(sealed=False), cv2.COLOR_BGR2GRAY)
    assert seal.find_seal_shape(np.asarray(gray, np.uint8)) is None


def test_grey_seal_is_lifted_off_the_print_under_it() -> None:
    gray = image.flatten_lighting(grey_page())
    ring = seal.find_seal_shape(gray)
    assert ring is not None
    lifted = seal.lift_ring(gray, ring)
    x0, y0, x1, y1 = ring.box
    before = (gray[y0:y1, x0:x1] < 200).sum()
    after = (lifted[y0:y1, x0:x1] < 200).sum()
    assert after < 0.6 * before
    assert (lifted[y0:y1, x0:x1] < 60).sum() > 0.5 * (gray[y0:y1, x0:x1] < 60).sum()


@pytest.mark.slow
def test_page_on_a_desk_is_found_and_cut_out() -> None:
    truth = office_forms.random_application(11)
    photo = office_scans._photo(truth, "zenhei", 11)
    quad = pagefind.find_page(photo)
    assert quad is not None
    cut = pagefind.cut_page(photo, quad)
    assert cut.shape[1] == pagefind.PAGE_SHORT_SIDE
    assert cut.shape[0] == pytest.approx(pagefind.PAGE_LONG_SIDE, rel=0.05)


def test_a_scan_that_fills_the_frame_is_left_alone() -> None:
    assert pagefind.find_page(page()) is None


def test_tiff_pages_are_all_loaded(tmp_path: Path) -> None:
    truth = office_forms.random_application(5)
    target = tmp_path / "two.tif"
    office_scans.tiff_g4(truth, "ukai", 1, target)
    assert len(image.load_image_frames(target)) == 2


def _heic(picture: np.ndarray, target: Path) -> Path:
    """The picture saved as an iPhone does (HEIC, HEVC-coded) by libheif itself."""
    heif = pillow_heif.from_bytes(
        mode="RGB",
        size=(picture.shape[1], picture.shape[0]),
        data=np.ascontiguousarray(picture[:, :, ::-1]).tobytes(),
    )
    heif.save(target, quality=90)
    return target


def test_heic_photo_is_an_image_and_loads_as_taken(tmp_path: Path) -> None:
    drawn = page()
    target = _heic(drawn, tmp_path / "IMG_0001.HEIC")
    assert target.read_bytes()[4:12] == b"ftypheic"
    assert sniff(target) == "image"
    [loaded] = image.load_image_frames(target)
    assert loaded.shape == drawn.shape
    # Lossy HEVC: the same page within a few grey levels on average.
    assert float(np.abs(loaded.astype(int) - drawn.astype(int)).mean()) < 3


def test_broken_heic_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    target = tmp_path / "IMG_0002.HEIC"
    target.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    with pytest.raises(FileUnreadable, match="图片文件已损坏"):
        image.load_image_frames(target)


@pytest.mark.slow
def test_heic_photo_of_a_form_on_a_desk_is_read(tmp_path: Path) -> None:
    truth = office_forms.random_application(2024)
    photo = office_scans._photo(truth, "noto-sans", 2024)
    target = _heic(photo, tmp_path / "IMG_0003.HEIC")
    target.with_suffix(".json").write_text(
        json.dumps({"kind": "heic", "application": truth.application, "codes": truth.codes}),
        "utf-8",
    )
    score = score_file(target, None)
    assert score.wrong == []
    assert score.codes_exact, score.codes
