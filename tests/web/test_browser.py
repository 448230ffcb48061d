"""In a real browser (Debian's Chromium, headless): fill in online, fix a problem, download the
.docx, upload it back and see a clean report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.demo import DEMO_PASSWORD
from tests.fixtures import live

CHROMIUM, ARGS = live.CHROMIUM, live.ARGS
SCREENSHOT = live.DOCS / "screenshot-report.png"

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
]


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """The demo app on a free local port, served from a thread; checks run in the thread pool."""
    with live.live_server(tmp_path) as url:
        yield url


def test_fill_fix_download_and_upload_back(live_server: str, tmp_path: Path) -> None:
    expect = playwright.expect
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(accept_downloads=True, viewport={"width": 1200, "height": 900})
        page.goto(live_server + "/login")
        page.get_by_label("用户名").fill("demo-enterprise")
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("link", name="在线填写 2021 年度申请表").click()

        page.get_by_label("申请抵销量（tCO₂e）").fill("24200")
        expect(page.locator("#ratio-live")).to_contain_text("抵销比例 2.55%")
        expect(page.get_by_label("CCER 抵销量占应清缴配额量比例（%）")).to_have_value("2.55")
        page.get_by_label("申请抵销量（tCO₂e）").fill("60000")
        expect(page.locator("#ratio-live")).to_contain_text("已超过上限")
        page.get_by_label("申请抵销量（tCO₂e）").fill("24200")
        rows = [("1154", "9700"), ("2435", "5100"), ("CCER-0808-2014", "9400")]
        for index, (project, quantity) in enumerate(rows):
            if index:
                page.get_by_role("button", name="添加一行").click()
            page.locator(f"[name='ccer_rows-{index}-project_number']").select_option(project)
            page.locator(f"[name='ccer_rows-{index}-cancel_quantity_t']").fill(quantity)
        expect(page.locator("#rows-live")).to_contain_text("与申请抵销量一致")
        page.get_by_label("联系人").fill("张杰")
        page.get_by_label("联系电话").fill("13731427819")
        page.get_by_label("联系邮箱").fill("zhang.jie@")
        page.get_by_label("签署日期").fill("2023-10-31")
        page.get_by_role("button", name="检查并保存").click()

        email = page.locator("#f-contact_email")
        expect(email).to_contain_text("联系邮箱 zhang.jie@ 不是有效的电子邮件地址")
        page.get_by_label("联系邮箱").fill("zhang.jie@126.com")
        page.get_by_role("button", name="检查并保存").click()
        expect(page.locator("#result")).to_contain_text("未发现错误")

        with page.expect_download() as download_info:
            page.get_by_role("link", name="下载申请表（Word）").click()
        saved = tmp_path / "filled.docx"
        download_info.value.save_as(saved)

        page.get_by_role("link", name="查看检查报告").click()
        page.get_by_role("link", name="上传更正后的文件").click()
        page.get_by_label("申请表文件").set_input_files(str(saved))
        page.get_by_role("button", name="上传并检查").click()
        expect(page.locator("h1")).to_contain_text("第 3 版", timeout=60_000)
        summary = page.locator(".summary")
        expect(summary).to_contain_text("未发现错误，另有 1 条提示")
        expect(summary).to_contain_text("STAMP_UNVERIFIED")
        page.set_viewport_size({"width": 1100, "height": 1400})
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=False)
        browser.close()
