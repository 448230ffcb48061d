"""Bar charts drawn on the server as SVG: no script, so nothing the CSP must allow.

``bar_chart`` lays the bars out; ``templates/dashboard/_chart.html`` draws them,
each bar a link to the list behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
LABEL_W = 150
BAR_AREA = 370
ROW_H = 30
BAR_H = 20


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value as shown, link and geometry in SVG units."""

    label: str
    value: str
    url: str
    y: int
    width: int


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart."""

    bars: list[Bar]
    unit: str
    width: int = WIDTH
    label_w: int = LABEL_W
    bar_h: int = BAR_H

    @property
    def height(self) -> int:
        """The drawing's height: one row per bar."""
        return max(1, len(self.bars)) * ROW_H + 6


def shown(value: Decimal | int, *, integer: bool = False) -> str:
    """A figure as users read it: whole tonnes grouped by thousands (rounded down)."""
    whole = int(value)
    return str(whole) if integer else f"{whole:,}"


def bar_chart(
    items: Sequence[tuple[str, Decimal | int, str]], *, unit: str, integer: bool = False
) -> Chart:
    """Bars for (label, value, url) items, scaled to the largest value."""
    largest = max((Decimal(v) for _label, v, _url in items), default=Decimal(0))
    bars = []
    for index, (label, value, url) in enumerate(items):
        width = int(Decimal(value) * BAR_AREA / largest) if largest > 0 else 0
        bars.append(Bar(label, shown(value, integer=integer), url, index * ROW_H + 3, width))
    return Chart(bars, unit)
