"""Forms as offices fill them in: random applications typed in Debian CJK fonts, drawn as pages.

Each application is valid (its registry is built from the same values), so the
only problem codes a correct reading may give are ``STAMP_MISSING`` on the
unsealed ones. The page is drawn with Pillow at any resolution: title, the
ruled table (labels wrapped in their cells as Word wraps them), the 声明 with
the values on underlined blanks, the signature line and the date, and a red
seal (ring, star, the unit's name around the rim) over 申请单位名称（公章）.
``office_scans`` turns these pages into scans, photos and TIFFs.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont
from stdnum.cn import uscc as uscc_module

Array = NDArray[np.uint8]

# Debian packages fonts-arphic-ukai (楷体-like), fonts-arphic-uming (宋体/仿宋-like),
# fonts-wqy-zenhei (黑体-like) and fonts-noto-cjk.
FONTS = {
    "ukai": "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "uming": "/usr/share/fonts/truetype/arphic/uming.ttc",
    "zenhei": "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "noto-serif": "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "noto-sans": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
}
# Noto's collections hold JP first; index 2 is Simplified Chinese.
FONT_INDEX = {"noto-serif": 2, "noto-sans": 2}

PROVINCES = ["广东省", "山东省", "江苏省", "浙江省", "河北省", "内蒙古自治区", "北京市", "四川省"]
PLACES = ["济宁", "莱芜", "韶关", "镇江", "嘉兴", "唐山", "包头", "宜宾", "荆门", "阳江"]
KINDS = ["热电", "发电", "能源", "水泥", "钢铁", "化工"]
SUFFIXES = ["有限公司", "有限责任公司", "股份有限公司"]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗梁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华"
DOMAINS = ["163.com", "126.com", "qq.com", "sina.com", "yeah.net", "chnenergy.com.cn"]

MM = 1 / 25.4  # inches per millimetre
PAGE_MM = (210.0, 297.0)
TABLE_LEFT_MM = 25.0
COLUMNS_MM = [36.0, 44.0, 36.0, 44.0]


@dataclass
class Truth:
    """What the generator wrote on one form: the application JSON, and the codes it must get."""

    application: dict[str, Any]
    codes: list[str] = field(default_factory=list)


def _uscc(rng: random.Random) -> str:
    body = "9" + rng.choice("1") + f"{rng.randint(110000, 659000):06d}"
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body += "".join(rng.choice(alphabet) for _ in range(9))
    return body + str(uscc_module.calc_check_digit(body))


def random_application(seed: int, year: int | None = None, sealed: bool = True) -> Truth:
    """A valid application (rows add up, the ratio is right) drawn from ``seed``."""
    rng = random.Random(seed)
    year = year or rng.choice([2021, 2022])
    place = rng.choice(PLACES)
    name = (
        f"{rng.choice(['华能', '大唐', '国电', '华电', '中煤', '京能'])}{place}{rng.choice(KINDS)}"
    )
    name += rng.choice(SUFFIXES)
    due = rng.randint(300_000, 9_000_000)
    quantities = [rng.randint(2, 60) * 1000 + rng.choice([0, 0, 500, 800]) for _ in range(3)]
    count = rng.choice([1, 2, 3])
    quantities = quantities[:count]
    offset = sum(quantities)
    # Within the 5 % limit, as a valid application is.
    due = max(due, offset * rng.randint(21, 60))
    ratio = (Decimal(offset) / Decimal(due) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    numbers = [
        rng.choice(
            [
                f"CCER-{rng.randint(100, 3000)}-{rng.randint(2013, 2017)}",
                str(rng.randint(100, 3000)),
            ]
        )
        for _ in quantities
    ]
    contact = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
    login = rng.choice(["zhang", "li", "wang", "liu", "chen", "zhou"]) + str(rng.randint(1, 999))
    province = rng.choice(PROVINCES)
    app: dict[str, Any] = {
        "year": year,
        "entity_name": name,
        "uscc": _uscc(rng),
        "ccer_account_id": f"C{rng.randint(10**9, 10**10 - 1)}",
        "ets_account_id": str(rng.randint(10**11, 10**12 - 1)),
        "due_allowance_t": str(due),
        "offset_requested_t": str(offset),
        "offset_ratio_pct": str(ratio),
        "contact_name": contact,
        "contact_phone": "1"
        + rng.choice("3589")
        + "".join(rng.choice("0123456789") for _ in range(9)),
        "contact_email": f"{login}@{rng.choice(DOMAINS)}",
        "ccer_rows": [
            {"cancel_quantity_t": str(q), "project_number": n}
            for q, n in zip(quantities, numbers, strict=True)
        ],
        "declaration": {
            "province": province,
            "offset_t": str(offset),
            "ratio_pct": str(ratio),
            "year": year,
        },
        "signed_date": f"2023-{rng.randint(9, 12):02d}-{rng.randint(1, 14):02d}",
        "stamp_present": sealed,
    }
    return Truth(app, [] if sealed else ["STAMP_MISSING"])


def _date_text(iso: str) -> str:
    y, m, d = (int(p) for p in iso.split("-"))
    return f"{y}年{m}月{d}日"


class _Pen:
    """Draws text in one font at one resolution (sizes in points, positions in millimetres)."""

    def __init__(self, draw: ImageDraw.ImageDraw, font: str, dpi: int) -> None:
        self.draw, self.font, self.dpi = draw, font, dpi
        self._cache: dict[float, ImageFont.FreeTypeFont] = {}

    def px(self, mm: float) -> int:
        return round(mm * MM * self.dpi)

    def face(self, pt: float) -> ImageFont.FreeTypeFont:
        if pt not in self._cache:
            size = max(6, round(pt / 72 * self.dpi))
            self._cache[pt] = ImageFont.truetype(
                FONTS[self.font], size, index=FONT_INDEX.get(self.font, 0)
            )
        return self._cache[pt]

    def width(self, text: str, pt: float) -> float:
        return float(self.face(pt).getlength(text)) / (MM * self.dpi)

    def text(self, x_mm: float, y_mm: float, text: str, pt: float, fill: int = 20) -> None:
        self.draw.text((self.px(x_mm), self.px(y_mm)), text, font=self.face(pt), fill=(fill,) * 3)

    def wrap(self, text: str, pt: float, width_mm: float) -> list[str]:
        lines, line = [], ""
        for char in text:
            if line and self.width(line + char, pt) > width_mm:
                lines.append(line)
                line = ""
            line += char
        return [*lines, line] if line else lines


def _table_rows(app: dict[str, Any]) -> list[list[str]]:
    year = app["year"]
    rows = [
        ["申请单位基本信息"],
        ["单位名称", app["entity_name"], "统一社会信用代码", app["uscc"]],
        [
            "自愿减排注册登记系统账户ID",
            app["ccer_account_id"],
            "全国碳排放权注册登记系统账户ID",
            app["ets_account_id"],
        ],
        [
            f"{year}年应清缴配额量（吨）",
            app["due_allowance_t"],
            "申请抵销量（吨）",
            app["offset_requested_t"],
        ],
        [
            "CCER抵销量占应清缴配额量比例（%）",
            app["offset_ratio_pct"],
            "联系人",
            app["contact_name"],
        ],
        ["联系电话", app["contact_phone"], "联系邮箱", app["contact_email"]],
        ["申请配额清缴的CCER基本信息"],
    ]
    filled = [
        ["注销量", r["cancel_quantity_t"], "项目编号", r["project_number"]]
        for r in app["ccer_rows"]
    ]
    rows += filled + [["注销量", "", "项目编号", ""]] * max(0, 3 - len(filled))
    rows.append(["（注：如涉及多个项目来源，可自行加行逐一列明。此栏由生态环境部统一组织核验）"])
    return rows


def draw_pages(
    app: dict[str, Any], font: str, dpi: int, *, two_pages: bool = False, seal_seed: int = 0
) -> list[Array]:
    """The filled form as BGR page images (one page, or the 声明 on a second page)."""
    width, height = (round(v * MM * dpi) for v in PAGE_MM)
    first = Image.new("RGB", (width, height), "white")
    pen = _Pen(ImageDraw.Draw(first), font, dpi)
    y = 22.0
    pen.text(TABLE_LEFT_MM, y, f"附表{1 if app['year'] == 2021 else 2}", 12)
    y += 10
    for title in (f"{app['year']}年全国碳市场重点排放单位", "使用CCER抵销配额清缴申请表"):
        pen.text((PAGE_MM[0] - pen.width(title, 16)) / 2, y, title, 16)
        y += 9
    y = _draw_table(pen, app, y + 4)
    pages = [first]
    if two_pages:
        second = Image.new("RGB", (width, height), "white")
        pen = _Pen(ImageDraw.Draw(second), font, dpi)
        pages.append(second)
        y = 25.0
    sign = _draw_declaration(pen, app, y + 10)
    arrays = [np.ascontiguousarray(np.asarray(p)[:, :, ::-1]) for p in pages]
    if app["stamp_present"]:
        arrays[-1] = draw_seal(arrays[-1], sign, pen.px(21), app["entity_name"], font, seal_seed)
    return arrays


def _draw_table(pen: _Pen, app: dict[str, Any], top: float) -> float:
    pt, line_mm = 10.5, 10.5 / 72 * 25.4 * 1.25
    full = sum(COLUMNS_MM)
    y = top
    for row in _table_rows(app):
        widths = [full] if len(row) == 1 else COLUMNS_MM
        wrapped = [pen.wrap(text, pt, w - 3) for text, w in zip(row, widths, strict=True)]
        height = max(9.0, max(len(w) for w in wrapped) * line_mm + 4)
        x = TABLE_LEFT_MM
        for lines, w in zip(wrapped, widths, strict=True):
            pen.draw.rectangle(
                (pen.px(x), pen.px(y), pen.px(x + w), pen.px(y + height)),
                outline=(0, 0, 0),
                width=max(1, pen.px(0.25)),
            )
            ty = y + (height - len(lines) * line_mm) / 2
            for line in lines:
                centred = x + (w - pen.width(line, pt)) / 2 if len(row) == 1 else x + 1.5
                pen.text(centred, ty, line, pt)
                ty += line_mm
            x += w
        y += height
    return y


def _draw_declaration(pen: _Pen, app: dict[str, Any], top: float) -> tuple[int, int]:
    """Draw the 声明; returns the pixel centre of 申请单位名称（公章）."""
    pt, line_mm = 12.0, 12 / 72 * 25.4 * 1.5
    decl, year = app["declaration"], app["year"]
    left, right = TABLE_LEFT_MM, TABLE_LEFT_MM + sum(COLUMNS_MM)
    pen.text((PAGE_MM[0] - pen.width("声  明", 16)) / 2, top, "声  明", 16)
    y = top + 12
    pen.text(left, y, f"{decl['province']}生态环境厅：", pt)
    y += line_mm
    parts = [
        ("我单位申请使用国家核证自愿减排量（CCER）", False),
        (f" {decl['offset_t']} ", True),
        (
            f"tCO2e，用于{year}年全国碳市场抵销配额清缴，抵销比例占我单位{year}年应清缴配额量的",
            False,
        ),
        (f" {decl['ratio_pct']} ", True),
        ("%。", False),
    ]
    x = left + pen.width("我单", pt)
    for text, underlined in parts:
        for char in text:
            w = pen.width(char, pt)
            if x + w > right:
                x, y = left, y + line_mm
            pen.text(x, y, char, pt)
            if underlined:
                base = pen.px(y + pt / 72 * 25.4 * 1.15)
                pen.draw.line((pen.px(x), base, pen.px(x + w), base), fill=(0, 0, 0), width=2)
            x += w
    y += line_mm
    promise = (
        "我单位知悉2021、2022年全国碳市场重点排放单位使用CCER抵销配额清缴的相关条件和工作"
        "流程，承诺拟用于配额清缴抵销的CCER不再用于交易和其他用途。以上信息真实、准确、有效，"
        "不包含任何虚假信息或误导性陈述，请予审核。"
    )
    lines = pen.wrap(promise, pt, right - left - pen.width("我单", pt))
    lines = [lines[0], *pen.wrap("".join(lines[1:]), pt, right - left)]
    for i, line in enumerate(lines):
        pen.text(left + (pen.width("我单", pt) if i == 0 else 0), y, line, pt)
        y += line_mm
    y += line_mm
    sign, date = "申请单位名称（公章）", _date_text(app["signed_date"])
    sx = right - pen.width(sign, pt) - 5
    pen.text(sx, y, sign, pt)
    centre = (pen.px(sx + pen.width(sign, pt) / 2), pen.px(y + 2.5))
    pen.text(right - pen.width(date, pt) - 8, y + line_mm * 1.3, date, pt)
    return centre


def draw_seal(
    page: Array, centre: tuple[int, int], radius: int, name: str, font: str, seed: int = 0
) -> Array:
    """The page with a red seal blended over it like ink: ring, star, the name around the rim."""
    rng = random.Random(seed)
    size = 2 * radius + 8
    layer = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(layer)
    c = size / 2
    ring = max(3, radius // 16)
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=255, width=ring)
    star = [
        (
            c + radius * (0.3 if i % 2 == 0 else 0.12) * math.cos(-math.pi / 2 + i * math.pi / 5),
            c + radius * (0.3 if i % 2 == 0 else 0.12) * math.sin(-math.pi / 2 + i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=255)
    face = ImageFont.truetype(
        FONTS[font], max(8, round(radius * 0.26)), index=FONT_INDEX.get(font, 0)
    )
    span = math.radians(220)
    for k, char in enumerate(name):
        angle = -math.pi / 2 - span / 2 + span * (k + 0.5) / len(name)
        glyph = Image.new("L", (face.size * 2, face.size * 2), 0)
        ImageDraw.Draw(glyph).text((face.size // 2, face.size // 2), char, font=face, fill=255)
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BILINEAR)
        gx = c + 0.72 * radius * math.cos(angle) - glyph.width / 2
        gy = c + 0.72 * radius * math.sin(angle) - glyph.height / 2
        layer.paste(255, (round(gx), round(gy)), glyph)
    ink = np.asarray(layer, np.float64) / 255
    # Ink is uneven: a seal pressed by hand leaves lighter patches.
    patches = (
        np.asarray(
            Image.fromarray(
                (np.random.default_rng(seed).random((8, 8)) * 255).astype(np.uint8)
            ).resize((size, size), Image.Resampling.BICUBIC),
            np.float64,
        )
        / 255
    )
    alpha = ink * (0.7 + 0.25 * patches)
    red = np.array([55 + rng.randint(0, 30), 40 + rng.randint(0, 20), 205 + rng.randint(0, 35)])
    out = page.astype(np.float64).copy()
    cx, cy = centre[0] + rng.randint(-radius // 4, radius // 4), centre[1]
    x0, y0 = cx - size // 2, cy - size // 2
    region = out[y0 : y0 + size, x0 : x0 + size]
    a = alpha[: region.shape[0], : region.shape[1], None]
    region[:] = region * (1 - a) + region * (red / 255) * a
    return np.clip(out, 0, 255).astype(np.uint8)
