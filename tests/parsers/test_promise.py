"""The 声明's printed promise: paragraphs by their shape, the glances' verdict, and a page read."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from intake.parsers import ocr, promise
from intake.parsers.ocrcache import Deadline

Box = tuple[int, int, int, int]
H = 32  # a line's height
LEFT, RIGHT = 200, 1450


def line(y: int, x0: int = LEFT, x1: int = RIGHT) -> Box:
    return (x0, y, x1, y + H)


# Below a table: the 声明 heading, the addressee, the sentence with blanks (two lines),
# the promise (three lines, its last short), the signature and the date (right-aligned).
STATEMENT = [
    line(100, 760, 890),
    line(150, LEFT, 480),
    line(200, LEFT + 2 * H),
    line(250, LEFT, 1240),
    line(300, LEFT + 2 * H),
    line(350),
    line(400, LEFT, 1330),
    line(480, 1090, 1400),
    line(530, 1180, 1390),
]


def test_paragraphs_are_found_by_indent_and_right_margin() -> None:
    assert promise.paragraphs(STATEMENT) == [[2, 3], [4, 5, 6]]


def test_pieces_of_one_line_stay_in_its_paragraph() -> None:
    # The blanks of the sentence split its first line into three pieces.
    pieces = [
        *STATEMENT[:2],
        (LEFT + 2 * H, 200, 700, 200 + H),
        (760, 200, 900, 200 + H),
        (960, 200, RIGHT, 200 + H),
        *STATEMENT[3:],
    ]
    assert promise.paragraphs(pieces) == [[2, 3, 4, 5], [6, 7, 8]]


def test_single_lines_and_an_unindented_block_are_no_paragraph() -> None:
    assert promise.paragraphs([line(100, 760, 890), line(150, LEFT, 480)]) == []
    assert promise.paragraphs([line(100), line(150), line(200, LEFT, 900)]) == []
    assert promise.paragraphs([]) == []


@pytest.mark.parametrize(
    ("head", "tail", "verdict"),
    [
        ("我单位知悉20", "陈述，请予审核。", True),
        ("我单位知悉 2", "请予审核", True),
        ("我单位申请使", "应清缴配额量的2.30%。", False),
        ("我单位知悉20", "量的_____%。", False),
        ("我单住知悉20", "请予审械。", True),
        ("我单位申请使", "请予审核。", False),
        # A seal over the end of the promise: no figure there, so no blank either.
        ("我单位知悉20", "请予审热电有", True),
        ("我单位知悉20", "中城", True),
        # The sentence with the blanks typed into the promise's paragraph, after it.
        ("我单位知悉20", "配额量的2.30%。", False),
        ("我单位知悉20", "量的 2", False),
        ("我单", "请予审核", False),
    ],
)
def test_only_a_paragraph_that_starts_and_ends_as_the_promise_is_skipped(
    head: str, tail: str, verdict: bool
) -> None:
    assert promise.is_promise(head, tail) is verdict


FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SENTENCE = [
    "我单位申请使用国家核证自愿减排量（CCER）22800 tCO2e，用于2022年全国碳",
    "市场抵销配额清缴，抵销比例占我单位2022年应清缴配额量的0.28%。",
]
PROMISE = [
    "我单位知悉2021、2022年全国碳市场重点排放单位使用CCER抵销配额清缴的相关",
    "条件和工作流程，承诺拟用于配额清缴抵销的CCER不再用于交易和其他用途。以上信",
    "息真实、准确、有效，不包含任何虚假信息或误导性陈述，请予审核。",
]


def statement_page() -> np.ndarray:
    """A 200 dpi page holding the 声明 typed in Noto Sans CJK, no table."""
    page = Image.new("L", (1654, 1200), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 30)
    y = 100
    draw.text((760, y), "声  明", font=font, fill=0)
    y += 60
    draw.text((LEFT, y), "浙江省生态环境厅：", font=font, fill=0)
    for paragraph in (SENTENCE, PROMISE):
        for i, text in enumerate(paragraph):
            y += 50
            draw.text((LEFT + (60 if i == 0 else 0), y), text, font=font, fill=0)
    draw.text((1090, y + 90), "申请单位名称（公章）", font=font, fill=0)
    draw.text((1180, y + 150), "2023年11月7日", font=font, fill=0)
    return cv2.cvtColor(np.asarray(page), cv2.COLOR_GRAY2BGR)


@pytest.mark.slow
def test_a_page_is_read_without_its_promise_and_with_everything_else() -> None:
    page = ocr.prepare_page(statement_page())
    form = ocr.read_page(page, 1, Deadline(60))
    texts = [cell.text for cell in form.lines]
    assert "".join(texts).count("我单位知悉") == 0
    assert any("22800" in t for t in texts)
    assert any("0.28%" in t for t in texts)
    assert texts[-1] == "2023年11月7日"
    # Every line but the promise's three is read, and numbered as on the page.
    assert len(form.lines) == len(page.outside) - 3
    assert form.lines[-1].source.where == f"第1页 第{len(page.outside)}行"
