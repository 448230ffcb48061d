"""Reading scanned and photographed forms into FormText: samples, synthetic scans, bad files."""

from __future__ import annotations

import base64
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from intake.application import Source
from intake.parsers import grid, image, ocr
from intake.parsers.text import Cell, FileUnreadable, FormNotRecognized, FormText
from tests.fixtures import scan_variants as variants
from tests.fixtures.data import EXPECTED, FORMS

# One worker reads the variants and the samples once (variant_dir, _READ).
pytestmark = pytest.mark.xdist_group("ocr-samples")
# Label (whitespace removed, NFKC) -> field of the expected JSON; quantities by label prefix.
LABELS = {
    "单位名称": "entity_name",
    "统一社会信用代码": "uscc",
    "自愿减排注册登记系统账户ID": "ccer_account_id",
    "全国碳排放权注册登记系统账户ID": "ets_account_id",
    "申请抵销量(吨)": "offset_requested_t",
    "联系人": "contact_name",
    "联系电话": "contact_phone",
    "联系邮箱": "contact_email",
}


def norm(text: str) -> str:
    """Text as compared across sources: NFKC (full-width folded), no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pairs(form: FormText) -> dict[str, str]:
    """Label -> value for the rows laid out as label, value, label, value."""
    out: dict[str, str] = {}
    for row in form.rows:
        if len(row) == 4 and norm(row[0].text) != "注销量":
            for label, value in zip(row[::2], row[1::2], strict=True):
                out[norm(label.text)] = norm(value.text)
    return out


def ccer_rows(form: FormText) -> list[tuple[str, str]]:
    """The filled (注销量, 项目编号) rows."""
    rows = [
        (norm(row[1].text), norm(row[3].text))
        for row in form.rows
        if len(row) == 4 and norm(row[0].text) == "注销量"
    ]
    return [row for row in rows if any(row)]


def expected(name: str) -> dict[str, Any]:
    """The expected application of a sample."""
    data: dict[str, Any] = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    application: dict[str, Any] = data["application"]
    return application


def assert_reads_like(form: FormText, app: dict[str, Any]) -> None:
    """The key cells hold the expected application's values."""
    found = pairs(form)
    for label, key in LABELS.items():
        assert found.get(label) == app[key], label
    due = [v for k, v in found.items() if k.endswith("应清缴配额量(吨)")]
    assert due == [app["due_allowance_t"]]
    ratio = [v for k, v in found.items() if k.startswith("CCER抵销量占应清缴配")]
    assert ratio == [app["offset_ratio_pct"]]
    assert ccer_rows(form) == [
        (r["cancel_quantity_t"], r["project_number"]) for r in app["ccer_rows"]
    ]


@pytest.fixture(scope="session")
def variant_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic scans and photos of the digital sample v06."""
    out = tmp_path_factory.mktemp("scan-variants")
    source = FORMS / "v06.pdf"
    variants.scan_of(source, out / "scan.pdf", angle=1.5)
    variants.scan_of(source, out / "scan-unsealed.pdf", angle=-2.5, seal=False)
    variants.photo_of(source, out / "photo.jpg")
    variants.photo_of(source, out / "photo-upside-down.jpg", upside_down=True)
    variants.photo_of(source, out / "photo-sideways.jpg", sideways=True)
    return out


_READ: dict[Path, FormText] = {}


def read(path: Path) -> FormText:
    """OCR each file once per test session."""
    if path not in _READ:
        reader = ocr.read_scan_pdf if path.suffix == ".pdf" else ocr.read_image
        _READ[path] = reader(path)
    return _READ[path]


# ---------------------------------------------------------------- samples


@pytest.mark.slow
@pytest.mark.parametrize("name", ["v09", "v10", "v11"])
def test_sample_scans_read_key_cells(name: str) -> None:
    form = read(FORMS / f"{name}.pdf")
    assert form.kind == "scan"
    assert_reads_like(form, expected(name))


@pytest.mark.slow
@pytest.mark.parametrize(("name", "sealed"), [("v09", True), ("v10", False), ("v11", True)])
def test_sample_scans_seal(name: str, sealed: bool) -> None:
    assert read(FORMS / f"{name}.pdf").stamp_present is sealed


@pytest.mark.slow
def test_v09_lines_are_the_text_around_the_table_in_reading_order() -> None:
    lines = [norm(c.text) for c in read(FORMS / "v09.pdf").lines]
    assert lines[1:3] == ["2021年全国碳市场重点排放单位", "使用CCER抵销配额清缴申请表"]
    assert "山东省生态环境厅:" in lines
    assert lines[-2:] == ["申请单位名称(公章)", "2023年11月2日"]
    declaration = "".join(lines)
    assert "(CCER)15400tCO2e" in declaration
    assert "应清缴配额量的_4.01%" in declaration or "应清缴配额量的4.01%" in declaration


@pytest.mark.slow
def test_v09_rows_keep_distinct_cells_and_wrapped_labels() -> None:
    form = read(FORMS / "v09.pdf")
    assert [len(row) for row in form.rows] == [1, 4, 4, 4, 4, 4, 1, 4, 4, 4, 1]
    assert norm(form.rows[0][0].text) == "申请单位基本信息"
    assert form.rows[2][0].text.split("\n") == ["自愿减排注册登记", "系统账户ID"]


@pytest.mark.slow
def test_sources_name_cell_and_carry_box_confidence_and_crop() -> None:
    form = read(FORMS / "v10.pdf")
    cell = form.rows[1][3]
    assert cell.source.where == "第1页 表格第2行第4列"
    assert cell.source.page == 1
    assert cell.source.box is not None
    x0, y0, x1, y1 = cell.source.box
    assert 0 < x0 < x1 < 1654
    assert 0 < y0 < y1 < 2339
    lefts = [c.source.box[0] for c in form.rows[1] if c.source.box]
    assert lefts == sorted(lefts)
    sources = [c.source for row in form.rows for c in row] + [c.source for c in form.lines]
    assert all(s.confidence is not None and 0.0 <= s.confidence <= 1.0 for s in sources)
    assert min(s.confidence or 0 for s in sources if s.where.endswith("列")) > 0.8
    for source in sources:
        assert_small_png(source)


def assert_small_png(source: Source) -> None:
    """The crop is a PNG data URL under 20 KB that decodes."""
    assert source.crop is not None
    prefix = "data:image/png;base64,"
    assert source.crop.startswith(prefix)
    data = base64.b64decode(source.crop[len(prefix) :])
    assert len(data) <= 20_000
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "PNG"
        assert picture.size[0] > 0


# ---------------------------------------------------------------- synthetic scans and photos


@pytest.mark.slow
@pytest.mark.parametrize(
    "file",
    ["scan.pdf", "scan-unsealed.pdf", "photo.jpg", "photo-upside-down.jpg", "photo-sideways.jpg"],
)
def test_scan_and_photo_of_digital_form_read_its_values(variant_dir: Path, file: str) -> None:
    assert_reads_like(read(variant_dir / file), expected("v06"))


@pytest.mark.slow
@pytest.mark.parametrize("file", ["scan.pdf", "photo.jpg", "photo-upside-down.jpg"])
def test_scan_and_photo_read_the_same_cells_as_the_digital_pdf(
    variant_dir: Path, file: str
) -> None:
    from intake.parsers.pdf import read_pdf

    digital = [[norm(c.text) for c in row] for row in read_pdf(FORMS / "v06.pdf").rows]
    scanned = [[norm(c.text) for c in row] for row in read(variant_dir / file).rows]
    assert scanned == digital


@pytest.mark.slow
@pytest.mark.parametrize(
    ("file", "kind", "sealed"),
    [
        ("scan.pdf", "scan", True),
        ("scan-unsealed.pdf", "scan", False),
        ("photo.jpg", "photo", True),
        ("photo-upside-down.jpg", "photo", True),
    ],
)
def test_variant_kind_and_seal(variant_dir: Path, file: str, kind: str, sealed: bool) -> None:
    form = read(variant_dir / file)
    assert form.kind == kind
    assert form.stamp_present is sealed


@pytest.mark.slow
def test_photo_lines_keep_signature_and_date_under_the_seal(variant_dir: Path) -> None:
    lines = [norm(c.text) for c in read(variant_dir / "photo.jpg").lines]
    assert lines[-2:] == ["申请单位名称(公章)", "2023年9月6日"]


@pytest.fixture(scope="session")
def two_page_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An image-only PDF holding the scans v09 and v10 as pages 1 and 2."""
    out = tmp_path_factory.mktemp("two-pages")
    return variants.rescan([FORMS / "v09.pdf", FORMS / "v10.pdf"], out / "two.pdf")


@pytest.mark.slow
def test_two_page_scan_gives_rows_of_both_pages_in_order(two_page_scan: Path) -> None:
    form = read(two_page_scan)
    assert len(form.rows) == 22
    assert norm(form.rows[1][1].text) == "大唐莱芜热电有限公司"
    assert norm(form.rows[12][1].text) == "大唐准东热电有限公司"
    assert form.rows[12][1].source.where == "第2页 表格第2行第2列"
    assert form.rows[12][1].source.page == 2
    assert form.stamp_present is True


@pytest.mark.slow
def test_pdf_pages_are_read_one_by_one_with_their_page_numbers(two_page_scan: Path) -> None:
    (page,) = ocr.ocr_pdf_pages(two_page_scan, [1])
    assert page.kind == "scan"
    assert page.stamp_present is False
    assert norm(page.rows[1][3].text) == "91650102MA1Y783K24"
    assert page.rows[1][3].source.where == "第2页 表格第2行第4列"
    assert all(c.source.page == 2 for c in page.lines)


# ---------------------------------------------------------------- bad input


def test_one_pixel_image_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "dot.png"
    Image.new("RGB", (1, 1), "white").save(path)
    with pytest.raises(FileUnreadable, match="尺寸过小"):
        ocr.read_image(path)


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_corrupt_image_is_unreadable(tmp_path: Path, suffix: str) -> None:
    good = tmp_path / f"good{suffix}"
    Image.new("RGB", (800, 600), "white").save(good)
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(good.read_bytes()[:60])
    with pytest.raises(FileUnreadable, match="损坏"):
        ocr.read_image(bad)


def test_decompression_bomb_is_unreadable_without_warning(tmp_path: Path) -> None:
    path = variants.huge_png(tmp_path / "bomb.png")
    with pytest.raises(FileUnreadable, match="像素过多"):
        ocr.read_image(path)


def test_image_just_over_the_pixel_limit_is_refused(tmp_path: Path) -> None:
    side = int(image.MAX_PIXELS**0.5) + 10
    path = variants.huge_png(tmp_path / "big.png", width=side, height=side)
    with pytest.raises(FileUnreadable, match="像素过多"):
        ocr.read_image(path)


def test_blank_page_is_not_a_form(tmp_path: Path) -> None:
    path = variants.blank_photo(tmp_path / "blank.jpg")
    with pytest.raises(FormNotRecognized, match="页面为空白，未识别到文字"):
        ocr.read_image(path)


@pytest.mark.slow
def test_photo_of_something_else_is_not_a_form(tmp_path: Path) -> None:
    path = variants.text_photo(tmp_path / "notes.jpg")
    with pytest.raises(FormNotRecognized, match="未在图片中找到申请表的表格"):
        ocr.read_image(path)


def test_scan_with_too_many_pages_is_refused(tmp_path: Path) -> None:
    path = variants.many_page_pdf(tmp_path / "long.pdf", 50)
    with pytest.raises(FileUnreadable, match="页数过多"):
        ocr.read_scan_pdf(path)


def test_corrupt_pdf_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    with pytest.raises(FileUnreadable):
        ocr.read_scan_pdf(path)


def test_spent_deadline_raises_timeout() -> None:
    with pytest.raises(FileUnreadable, match="识别超时"):
        ocr.Deadline(-1).check()


@pytest.mark.slow
def test_ocr_stops_when_the_budget_is_spent() -> None:
    with pytest.raises(FileUnreadable, match="识别超时"):
        ocr.read_scan_pdf(FORMS / "v10.pdf", budget_s=0.3)


# ---------------------------------------------------------------- cache


def fake_form(text: str) -> FormText:
    """A small FormText to stand in for an OCR result."""
    source = Source("第1页 表格第1行第1列", page=1, box=(1.0, 2.0, 3.0, 4.0), confidence=0.9)
    return FormText(
        kind="photo",
        rows=[[Cell(text, source)]],
        lines=[Cell("2023年11月2日", source)],
        stamp_present=True,
    )


def test_same_bytes_are_read_once_with_a_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    picture = tmp_path / "form.png"
    Image.new("RGB", (800, 600), "white").save(picture)
    cache = tmp_path / "cache"
    calls: list[str] = []

    def fake(images: list[Any], kind: str, *, budget_s: float) -> FormText:
        calls.append(kind)
        return fake_form(f"read {len(calls)}")

    monkeypatch.setattr(ocr, "read_page_images", fake)
    first = ocr.read_image(picture, cache_dir=cache)
    again = ocr.read_image(picture, cache_dir=cache)
    assert calls == ["photo"]
    assert again == first
    assert len(list(cache.glob("*.json"))) == 1
    # Other bytes, or no cache directory, mean a new reading.
    Image.new("RGB", (800, 601), "white").save(picture)
    assert ocr.read_image(picture, cache_dir=cache).rows[0][0].text == "read 2"
    assert ocr.read_image(picture).rows[0][0].text == "read 3"


def test_damaged_cache_entry_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    picture = tmp_path / "form.png"
    Image.new("RGB", (800, 600), "white").save(picture)
    cache = tmp_path / "cache"
    monkeypatch.setattr(ocr, "read_page_images", lambda *a, **k: fake_form("x"))
    ocr.read_image(picture, cache_dir=cache)
    for entry in cache.glob("*.json"):
        entry.write_text("{not json", encoding="utf-8")
    assert ocr.read_image(picture, cache_dir=cache).rows[0][0].text == "x"


# ---------------------------------------------------------------- geometry


def ruled_page(angle: float = 0.0) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """A white page with a 3 x 2 ruled table (second row merged) and a text-like block."""
    page = np.full((1400, 1000), 255, dtype=np.uint8)
    for y in (200, 300, 400, 500):
        cv2.line(page, (100, y), (900, y), 0, 3)
    for x in (100, 900):
        cv2.line(page, (x, 200), (x, 500), 0, 3)
    cv2.line(page, (400, 200), (400, 300), 0, 3)
    cv2.line(page, (400, 400), (400, 500), 0, 3)
    cv2.putText(page, "ABC 123", (150, 265), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    cv2.putText(page, "Some text below", (120, 700), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    return image.rotate(page, angle)


@pytest.mark.parametrize("angle", [-3.0, -1.0, 0.0, 1.5, 3.0])
def test_skew_is_measured_from_the_rules(angle: float) -> None:
    ink = image.ink_mask(ruled_page(angle))
    assert image.estimate_skew(ink) == pytest.approx(-angle, abs=0.1)


@pytest.mark.parametrize("share", [0.0, 0.02, 0.3, 0.6])
def test_components_are_labelled_as_opencv_labels_them(share: float) -> None:
    mask = np.where(np.random.default_rng(7).random((300, 400)) < share, 255, 0).astype(np.uint8)
    cv2.line(mask, (10, 150), (390, 160), 255, 3)
    _count, want_labels, want_stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    labels, stats = image.label_components(mask)
    assert (labels == want_labels).all()
    assert (stats[1:] == want_stats[1:]).all()


def test_specks_of_fewer_than_four_pixels_are_dropped() -> None:
    page = np.full((100, 100), 255, np.uint8)
    page[10, 10] = 0  # one pixel
    page[20, 20:23] = 0  # three in a row
    page[30, 30], page[31, 31], page[32, 30] = 0, 0, 0  # three touching at corners
    page[50:52, 50:52] = 0  # four: kept
    ink = image.ink_mask(page)
    assert list(zip(*np.nonzero(ink), strict=True)) == [(50, 50), (50, 51), (51, 50), (51, 51)]


def test_grid_gives_merged_cells_once() -> None:
    found = grid.find_grid(image.ink_mask(ruled_page()))
    assert found is not None
    assert [len(row) for row in found.rows] == [2, 1, 2]
    x0, y0, x1, y1 = found.rows[1][0]
    assert (x0, x1) == pytest.approx((100, 900), abs=3)
    assert (y0, y1) == pytest.approx((300, 400), abs=3)


def test_no_grid_on_a_page_without_a_table() -> None:
    page = np.full((1400, 1000), 255, dtype=np.uint8)
    cv2.putText(page, "Only a line of text", (100, 300), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    assert grid.find_grid(image.ink_mask(page)) is None


def test_text_lines_in_a_cell_come_top_to_bottom() -> None:
    page = np.full((400, 600), 255, dtype=np.uint8)
    cv2.putText(page, "first", (50, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    cv2.putText(page, "second", (50, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    boxes = grid.lines_in(image.ink_mask(page), (0, 0, 600, 400))
    assert len(boxes) == 2
    assert boxes[0][3] < boxes[1][1]


def test_lines_joined_by_a_seal_ring_are_cut_apart() -> None:
    # Five typed lines; a ring (a 1-bit scan's seal, its red lost) crosses the last three.
    page = np.full((700, 900), 255, dtype=np.uint8)
    for i, y in enumerate((80, 160, 300, 345, 390)):
        cv2.putText(
            page, f"line {i} of the statement", (40, y), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 0, 3
        )
    plain = grid.lines_in(image.ink_mask(page), (0, 0, 900, 700), split_gap=2.5)
    cv2.circle(page, (620, 345), 80, 0, 4)
    sealed = grid.lines_in(image.ink_mask(page), (0, 0, 900, 700), split_gap=2.5)
    tops = sorted({box[1] for box in sealed})
    assert len(tops) >= len({box[1] for box in plain}) == 5
    # Each typed line keeps a box of its own, about as tall as without the ring.
    for box in plain:
        below = [b for b in sealed if b[1] <= box[1] + 8 and b[3] >= box[3] - 8]
        assert below, box
        assert min(b[3] - b[1] for b in below) < 2.2 * (box[3] - box[1])


def test_large_photos_are_scaled_to_working_size() -> None:
    photo = np.zeros((4000, 3000, 3), dtype=np.uint8)
    assert image.limit_size(photo).shape == (2400, 1800, 3)
    page = np.zeros((2339, 1654), dtype=np.uint8)
    assert image.limit_size(page) is page


def test_tidy_drops_spaces_next_to_chinese_only() -> None:
    assert ocr.tidy(" 2023 年 11 月 2 日 ") == "2023年11月2日"
    assert ocr.tidy("申请抵销量 (吨)") == "申请抵销量(吨)"
    assert ocr.tidy("CCER 1380 2015") == "CCER 1380 2015"


@pytest.mark.parametrize(
    ("text", "broken"),
    [
        ("91406360ED1AG56CEQ", False),
        ("91406360ED1MG56CEQ", True),
        ("C5541819771", False),
        ("91406360ED1MG56CE", False),
    ],
)
def test_only_a_code_shaped_like_a_uscc_with_a_wrong_check_digit_is_read_again(
    text: str, broken: bool
) -> None:
    assert ocr._broken_uscc(text) is broken


def test_line_crops_are_padded_to_a_width_set_by_their_own_width_and_batched_by_it() -> None:
    from intake.parsers import ocrengine

    crops = [np.full((48, w, 3), 255, np.uint8) for w in (600, 90, 100, 2000, 95, 610)]
    widths = [ocrengine._rec_width(c) for c in crops]
    batches = ocrengine._batches(widths)
    assert sorted(i for b in batches for i in b) == list(range(len(crops)))
    for batch in batches:
        padded = {ocrengine.padded_width(widths[i]) for i in batch}
        assert len(padded) == 1
        assert len(batch) == 1 or len(batch) * padded.pop() <= ocrengine.BATCH_COLUMNS
    # The narrow crops share a call, far below RapidOCR's floor of 320 columns.
    narrow = next(b for b in batches if 1 in b)
    assert sorted(narrow) == [1, 2, 4]
    tensor = ocrengine._tensor(crops, narrow, widths)
    assert tensor.shape == (3, 3, 48, ocrengine.padded_width(100))
    assert tensor.shape[3] < 1.15 * 100
    assert float(tensor.max()) == 1.0
    # What a crop is padded to does not depend on the crops beside it.
    alone = ocrengine._tensor(crops, [2], widths)
    assert np.array_equal(alone[0], tensor[narrow.index(2)])


def test_padded_widths_grow_by_a_share_of_the_width() -> None:
    from intake.parsers import ocrengine

    for width in range(8, 3000, 7):
        padded = ocrengine.padded_width(width)
        assert width <= padded <= max(ocrengine.FIRST_PAD, 1.13 * width + ocrengine.WIDTH_STEP)
        assert padded % ocrengine.WIDTH_STEP == 0


def test_a_short_line_read_unsure_is_read_again_and_replaced_only_by_a_sure_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crops = [np.full((44, 44, 3), 255, np.uint8) for _ in range(4)]
    first = [("s", 0.28), ("8", 0.3), ("林霞", 0.99), ("", 0.0)]
    asked: list[int] = []

    def again(variants: list[ocr.Array], deadline: object = None) -> list[tuple[str, float]]:
        asked.append(len(variants))
        # Three variants a line: for the first line one sure reading, for the second none.
        return [("司", 0.46), ("司", 0.89), ("s", 0.22), ("8", 0.5), ("B", 0.6), ("8", 0.4)]

    monkeypatch.setattr(ocr, "recognize", again)
    out = ocr.second_look(crops, first)
    assert asked == [6]  # the sure line and the blank one are not read again
    assert out == [("司", 0.89), ("8", 0.3), ("林霞", 0.99), ("", 0.0)]
