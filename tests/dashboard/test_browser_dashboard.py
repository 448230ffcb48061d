"""In Chromium, at desktop and phone widths: dashboards, the letter download, the recall page.

Screenshots go to INTAKE_SCREENSHOTS (``docs`` refreshes the README's pictures).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest

from intake.demo import DEMO_PASSWORD, DEMO_TODAY
from tests.fixtures import live

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not live.CHROMIUM.exists(), reason="Chromium is not installed"),
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[str]:
    """The demo with its applications, on the demo's today."""
    with live.live_server(tmp_path, applications=True, today=DEMO_TODAY) as url:
        yield url


@pytest.fixture
def recall_server(tmp_path: Path) -> Iterator[str]:
    """The demo on the recall date."""
    with live.live_server(tmp_path, today=dt.date(2024, 1, 22)) as url:
        yield url


def _login(browser: Any, url: str, username: str, viewport: dict[str, int]) -> Any:
    page = browser.new_page(accept_downloads=True, viewport=viewport)
    page.goto(url + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    return page


def _fits(page: Any) -> bool:
    """Nothing but the scrolling tables is wider than the screen."""
    # After a click the heading can be there before the style sheet is applied.
    page.wait_for_load_state("load")
    width: int = page.evaluate("document.documentElement.scrollWidth")
    screen: int = page.viewport_size["width"]
    return width <= screen


def _shot(page: Any, name: str, *, full_page: bool = True) -> None:
    live.DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(live.DOCS / name), full_page=full_page)


def test_dashboards_at_desktop_and_phone_widths(demo_server: str) -> None:
    expect = playwright.expect
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(live.CHROMIUM), headless=True,
                                    args=live.ARGS)  # fmt: skip
        for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
            page = _login(browser, demo_server, "demo-province-2", viewport)
            expect(page.locator("h1")).to_contain_text("山西省 · 审核工作台")
            expect(page.locator("#fig-submitted")).to_have_text("2")
            expect(page.locator(".calendar")).to_contain_text("还剩 14 天")
            assert _fits(page)
            _shot(page, f"screenshot-dashboard-province{suffix}.png")
            page.locator("#fig-submitted").click()
            expect(page.locator("#queue-count")).to_contain_text("共 2 件申请")
            page.close()

            page = _login(browser, demo_server, "demo-ministry", viewport)
            expect(page.locator("h1")).to_contain_text("全国")
            expect(page.locator("#provinces")).to_contain_text("新疆生产建设兵团")
            expect(page.locator("figure.chart svg").first).to_be_visible()
            assert _fits(page)
            _shot(page, f"screenshot-dashboard-ministry{suffix}.png")
            page.get_by_role("link", name="山西省", exact=True).click()
            expect(page.locator("h1")).to_contain_text("山西省 · 申请一览")
            assert _fits(page)
            if suffix:
                page.locator("summary", has_text="导出").click()
                box = page.locator("details.menu ul").bounding_box()
                assert box is not None
                assert box["x"] >= 0
                assert box["x"] + box["width"] <= viewport["width"]
            page.close()
        browser.close()


def test_the_province_downloads_the_rejection_letter(demo_server: str, tmp_path: Path) -> None:
    expect = playwright.expect
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(live.CHROMIUM), headless=True,
                                    args=live.ARGS)  # fmt: skip
        page = _login(browser, demo_server, "demo-province", DESKTOP)
        page.goto(demo_server + "/review/?state=rejected")
        page.locator("#queue a").first.click()
        link = page.get_by_role("link", name="下载审核意见告知书（Word）")
        expect(link).to_be_visible()
        with page.expect_download() as info:
            link.click()
        saved = tmp_path / "letter.docx"
        info.value.save_as(saved)
        assert info.value.suggested_filename.startswith("审核意见告知书")
        document = docx.Document(io.BytesIO(saved.read_bytes()))
        text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
        assert "超过应清缴配额量的 5%" in text
        link.scroll_into_view_if_needed()
        _shot(page, "screenshot-letter-link.png")
        browser.close()


def test_the_ministry_downloads_a_provinces_letter(demo_server: str, tmp_path: Path) -> None:
    """Read only, from the national application page, at desktop and phone widths."""
    expect = playwright.expect
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(live.CHROMIUM), headless=True,
                                    args=live.ARGS)  # fmt: skip
        for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
            page = _login(browser, demo_server, "demo-ministry", viewport)
            page.goto(demo_server + "/dashboard/queue?state=rejected&province=山西省")
            page.locator("#national-queue a").first.click()
            expect(page.locator("h1")).to_contain_text("已驳回")
            link = page.get_by_role("link", name="下载审核意见告知书（Word）")
            expect(link).to_be_visible()
            expect(page.get_by_role("link", name="下载审核意见告知书（PDF）")).to_be_visible()
            assert _fits(page)
            box = link.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= viewport["width"]
            with page.expect_download() as info:
                link.click()
            saved = tmp_path / f"letter{suffix}.docx"
            info.value.save_as(saved)
            assert info.value.suggested_filename.startswith("审核意见告知书")
            document = docx.Document(io.BytesIO(saved.read_bytes()))
            text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
            assert "超过应清缴配额量的 5%" in text
            page.locator("#decisions").scroll_into_view_if_needed()
            _shot(page, f"screenshot-ministry-letter{suffix}.png", full_page=False)
            page.close()
        browser.close()


def test_the_recall_page_at_desktop_and_phone_widths(recall_server: str) -> None:
    expect = playwright.expect
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(live.CHROMIUM), headless=True,
                                    args=live.ARGS)  # fmt: skip
        phone = _login(browser, recall_server, "demo-ministry", PHONE)
        phone.get_by_role("link", name="强制召回").click()
        expect(phone.locator("#recall-date")).to_have_text("2024-01-22")
        assert _fits(phone)
        _shot(phone, "screenshot-recall-phone.png")
        phone.close()
        page = _login(browser, recall_server, "demo-ministry", DESKTOP)
        page.goto(recall_server + "/recall/")
        _shot(page, "screenshot-recall.png")
        confirm = page.get_by_label("我已核对上述待抵销 CCER，确认执行强制召回")
        expect(confirm).to_have_attribute("required", "")  # the browser asks first
        lots = page.locator("#recall-lots").inner_text()
        assert int(lots) > 0
        confirm.check()
        page.get_by_role("button", name="执行强制召回").click()
        expect(page.locator(".flash-info")).to_contain_text("已召回")
        expect(page.locator("#recall-lots")).to_have_text("0")
        browser.close()
