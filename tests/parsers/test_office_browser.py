"""Tried as a user would, in the browser: files offices send, uploaded by the demo enterprises.

A grey 300 dpi scan whose red seal came out dark grey, a 12-megapixel photo of the
unsealed form lying on a desk, and the PDF a browser prints from an online system
(the e-mail left as the input's grey placeholder) are generated from the demo
registry's own units, lots and allocations. Each is uploaded through the upload
page of a live server; the report page must list exactly the problem codes the
generator put in (``LOW_CONFIDENCE`` aside: advisory, as in the corpus score), show
the figures read, and is saved as a screenshot (``INTAKE_SCREENSHOTS=docs``).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from intake.application import Application
from intake.demo import DEMO_DATA, DEMO_PASSWORD, DEMO_USERS
from tests.fixtures import live, office_scans
from tests.fixtures.office_cases import Case
from tests.fixtures.office_forms import Truth, draw_pages
from tests.fixtures.office_variants import browser_pdf

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not live.CHROMIUM.exists(), reason="Chromium is not installed"),
]
ADVISORY = {"LOW_CONFIDENCE"}
# A scan is read in seconds on a quiet machine; a loaded one may take much longer.
CHECK_TIMEOUT_MS = 300_000


def _rows(name: str) -> list[dict[str, str]]:
    with (DEMO_DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def demo_application(username: str, year: int, *, sealed: bool) -> dict[str, Any]:
    """A valid application of the demo user's unit, from the demo registry's own records."""
    uscc = next(u.uscc for u in DEMO_USERS if u.username == username)
    entity = next(e for e in _rows("entities.csv") if e["uscc"] == uscc)
    due = next(
        Decimal(a["due_allowance_t"])
        for a in _rows("allocations.csv")
        if a["uscc"] == uscc and int(a["year"]) == year
    )
    lots = [r for r in _rows("pending_ccer.csv") if r["uscc"] == uscc and r["status"] == "待抵销"]
    rows = [
        {
            "cancel_quantity_t": str(min(int(lot["quantity_t"]) // 200 * 100, 9000)),
            "project_number": lot["project_number"],
        }
        for lot in lots[:3]
    ]
    offset = sum(Decimal(r["cancel_quantity_t"]) for r in rows)
    ratio = (offset / due * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return {
        "year": year,
        "entity_name": entity["name"],
        "uscc": uscc,
        "ccer_account_id": entity["ccer_account_id"],
        "ets_account_id": entity["ets_account_id"],
        "due_allowance_t": str(due),
        "offset_requested_t": str(offset),
        "offset_ratio_pct": str(ratio),
        "contact_name": "王晓明",
        "contact_phone": "13912345678",
        "contact_email": "carbon@example.com",
        "ccer_rows": rows,
        "declaration": {
            "province": entity["province"],
            "offset_t": str(offset),
            "ratio_pct": str(ratio),
            "year": year,
        },
        "signed_date": "2023-11-20",
        "stamp_present": sealed,
    }


@dataclass(frozen=True)
class Upload:
    """One file as a user sends it, and what its report must say."""

    name: str
    username: str
    path: Path
    application: dict[str, Any]
    codes: list[str]


def grey_scan(folder: Path) -> Upload:
    """A sealed form scanned in grey at 300 dpi: the red seal comes out dark grey."""
    app = demo_application("demo-enterprise", 2021, sealed=True)
    page = draw_pages(app, "uming", 300, seal_seed=5)[0]
    target = folder / "扫描件-灰度.pdf"
    office_scans._pdf([office_scans._pil(office_scans._scanner_gray(page, 5))], target, 300)
    return Upload("grey-scan", "demo-enterprise", target, app, [])


def desk_photo(folder: Path) -> Upload:
    """The unsealed form photographed on a desk (12 megapixels, tilted, a shadow, objects)."""
    app = demo_application("demo-enterprise", 2022, sealed=False)
    truth = Truth(app)
    target = folder / "IMG_20231120_101502.jpg"
    office_scans._jpeg(office_scans._photo(truth, "zenhei", 7), target)
    return Upload("desk-photo", "demo-enterprise", target, app, ["STAMP_MISSING"])


def browser_printout(folder: Path) -> Upload:
    """An online system's print view printed to PDF by the browser, the e-mail left blank."""
    app = demo_application("demo-enterprise-2", 2021, sealed=False)
    app["contact_email"] = None
    app["stamp_present"] = None
    names = {p["project_number"]: p["project_name"] for p in _rows("projects.csv")}
    case = Case(
        "browser",
        "browser-1",
        Application.from_json(app),
        [],
        project_names=[names[r["project_number"]] for r in app["ccer_rows"]],
        placeholders=("contact_email",),
    )
    target = browser_pdf(case, folder / "履约抵销申请-打印.pdf", number=4212)
    return Upload(
        "browser-pdf", "demo-enterprise-2", target, app, ["FIELD_MISSING", "STAMP_UNVERIFIED"]
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo app on a free local port (its clock inside the 2023 application window)."""
    with live.live_server(
        tmp_path_factory.mktemp("office-browser"), today=dt.date(2023, 12, 1)
    ) as url:
        yield url


MAKERS: list[Callable[[Path], Upload]] = [grey_scan, desk_photo, browser_printout]


@pytest.mark.parametrize("make", MAKERS, ids=[m.__name__ for m in MAKERS])
def test_uploaded_office_file_gives_the_right_report(
    server: str, tmp_path: Path, make: Callable[[Path], Upload]
) -> None:
    upload = make(tmp_path)
    expect = playwright.expect
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(live.CHROMIUM), headless=True, args=live.ARGS
        )
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.goto(server + "/login")
        page.get_by_label("用户名").fill(upload.username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.goto(server + "/applications/start")
        page.get_by_role("link", name="上传申请表文件").click()
        page.get_by_label("申请表文件").set_input_files(str(upload.path))
        page.get_by_role("button", name="上传并检查").click()
        summary = page.locator(".summary")
        expect(summary).to_be_visible(timeout=CHECK_TIMEOUT_MS)
        text = summary.inner_text()
        codes = sorted(c for c in re.findall(r"·\s*([A-Z_]+)", text) if c not in ADVISORY)
        assert codes == sorted(upload.codes), text
        if not upload.codes:
            expect(summary).to_contain_text(re.compile("未发现问题|未发现错误"))
        fields = page.locator("table.fields").all_inner_texts()
        shown = "\n".join(fields).replace(",", "")
        for value in (
            upload.application["offset_requested_t"],
            upload.application["due_allowance_t"],
            upload.application["uscc"],
            *(r["project_number"] for r in upload.application["ccer_rows"]),
        ):
            assert value in shown, value
        live.DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(live.DOCS / f"screenshot-report-{upload.name}.png"))
        browser.close()
