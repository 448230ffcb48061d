"""In a real browser (Debian's Chromium, headless), the whole review path of issue 4.

An enterprise of 山西省 fills in its 2021 application online and submits it; the
reviewer of another province neither sees it nor reaches it; the 山西省 reviewer
rejects it with a note; the enterprise reads every reason on its home page,
corrects it online and submits again; the reviewer approves; the lots show
已抵销 and the ministry sees the project numbers. Screenshots go to ``live.DOCS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake.demo import DEMO_PASSWORD
from tests.fixtures import live

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not live.CHROMIUM.exists(), reason="Chromium is not installed"),
]

LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
REVIEWER_NOTE = "联系电话无法接通，请核实后重新填写"
BAD_EMAIL = "wang.li@"


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """The demo app on a free local port, served from a thread."""
    with live.live_server(tmp_path) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium."""
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=str(live.CHROMIUM), headless=True, args=live.ARGS
        )
        yield instance
        instance.close()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def log_in(browser: Any, base: str, username: str, viewport: dict[str, int] = LAPTOP) -> Any:
    """A page of a fresh browser context, logged in as the demo user."""
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    playwright.expect(page.locator("nav.site")).to_be_visible()
    return page


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    """A screenshot of the page into live.DOCS."""
    live.DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(live.DOCS / name), full_page=full_page)


def stamp_and_submit(page: Any) -> None:
    """Download the saved form, upload it as the stamped copy, then submit from its report."""
    expect = playwright.expect
    result = page.locator("#result")
    with page.expect_download() as download:
        result.get_by_role("link", name="下载申请表（Word）").click()
    form = Path(download.value.path()).read_bytes()
    result.get_by_role("link", name="上传盖章件").click()
    expect(page.locator("h1")).to_contain_text("上传盖章件")
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "盖章件.docx", "mimeType": DOCX, "buffer": form}]
    )
    page.get_by_role("button", name="上传并检查").click()
    submit = page.locator("#submit-form").get_by_role("button", name="提交审核")
    expect(submit).to_be_visible(timeout=60_000)
    expect(page.locator("#review")).to_contain_text("已上传盖章件")
    submit.click()


def fill_and_submit(page: Any) -> str:
    """Fill in the 2021 form with a bad e-mail, save, submit anyway; the application's id."""
    expect = playwright.expect
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="新建申请").click()
    page.get_by_role("link", name="在线填写 2021 年度申请表").click()
    page.get_by_label("申请抵销量（tCO₂e）").fill("20000")
    page.locator("[name='ccer_rows-0-project_number']").select_option("2075")
    page.locator("[name='ccer_rows-0-cancel_quantity_t']").fill("20000")
    expect(page.locator("#rows-live")).to_contain_text("与申请抵销量一致")
    page.get_by_label("联系人").fill("王丽")
    page.get_by_label("联系电话").fill("13731427819")
    page.get_by_label("联系邮箱").fill(BAD_EMAIL)
    page.get_by_label("签署日期").fill("2023-10-31")
    page.get_by_role("button", name="检查并保存").click()
    expect(page.locator("#result")).to_contain_text("发现 1 个错误")
    # Not without the stamped copy: the link to upload it stands where submit would.
    expect(page.locator("#result").get_by_role("button", name="提交审核")).to_have_count(0)
    stamp_and_submit(page)
    expect(page.locator(".flash")).to_contain_text("申请已提交")
    expect(page.locator("h1")).to_contain_text("待审核")
    submission_id = str(page.url).rstrip("/").rsplit("/", 1)[-1]  # …/applications/<id>
    page.get_by_role("link", name="查看检查报告").click()
    expect(page.locator("#review")).to_contain_text("等待省级主管部门审核")
    expect(page.get_by_role("link", name="在线修改")).to_have_count(0)
    return submission_id


def stranger_cannot_see(browser: Any, base: str, submission_id: str) -> None:
    """The 新疆生产建设兵团 reviewer: not in the queue, and its page is a 404."""
    expect = playwright.expect
    page = log_in(browser, base, "demo-province")
    page.goto(base + "/review/")
    expect(page.locator("h1")).to_contain_text("新疆生产建设兵团")
    expect(page.get_by_role("link", name=f"申请 {submission_id}", exact=True)).to_have_count(0)
    response = page.goto(f"{base}/review/{submission_id}")
    assert response is not None
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("页面不存在")
    page.context.close()


def reject_with_a_note(page: Any, base: str, submission_id: str) -> None:
    """The 山西省 reviewer opens the application from the queue and rejects it with a note."""
    expect = playwright.expect
    page.goto(base + "/review/")
    row = page.locator("#queue tbody tr", has_text=f"申请 {submission_id}")
    expect(row).to_contain_text("大唐太原发电有限责任公司")
    expect(row).to_contain_text("待审核")
    shot(page, "screenshot-queue.png")
    row.get_by_role("link", name=f"申请 {submission_id}").click()
    expect(page.locator("#ccer-rows")).to_contain_text("云南曲靖水电站项目")
    page.get_by_label("所涉栏目").select_option(label="联系电话")
    page.get_by_role("textbox", name="审核意见", exact=True).fill(REVIEWER_NOTE)
    page.get_by_role("button", name="添加意见").click()
    expect(page.locator("#notes")).to_contain_text(f"联系电话：{REVIEWER_NOTE}")
    page.goto(f"{base}/review/{submission_id}")
    shot(page, "screenshot-review.png")
    page.get_by_label("驳回说明").fill("请一并修改后重新提交")
    page.get_by_role("button", name="驳回", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("已驳回")
    expect(page.locator("h1")).to_contain_text("已驳回")


def read_reasons_and_resubmit(page: Any, base: str) -> None:
    """Every reason on the home page and the report; correct online; submit the new version."""
    expect = playwright.expect
    page.goto(base + "/")
    notices = page.locator(".notices")
    expect(notices).to_contain_text("被驳回")
    expect(notices).to_contain_text(f"联系邮箱 {BAD_EMAIL} 不是有效的电子邮件地址")
    expect(notices).to_contain_text(REVIEWER_NOTE)
    expect(notices).to_contain_text("请一并修改后重新提交")
    expect(page.locator("table")).to_contain_text("已驳回")
    shot(page, "screenshot-home.png")
    notices.get_by_role("link", name="查看检查报告").click()
    review = page.locator("#review")
    expect(review).to_contain_text("第 1 版审核未通过")
    expect(review).to_contain_text(REVIEWER_NOTE)
    review.get_by_role("link", name="在线修改").click()
    expect(page.locator("#review")).to_contain_text(REVIEWER_NOTE)
    page.get_by_label("联系电话").fill("13731427810")
    page.get_by_label("联系邮箱").fill("wang.li@126.com")
    page.get_by_role("button", name="检查并保存").click()
    expect(page.locator("#result")).to_contain_text("第 2 版已保存，未发现错误")
    stamp_and_submit(page)
    expect(page.locator("h1")).to_contain_text("待审核")


def approve(page: Any, base: str, submission_id: str) -> None:
    """The reviewer sees the second version and what changed, and approves it."""
    expect = playwright.expect
    page.goto(f"{base}/review/{submission_id}")
    expect(page.locator("h1")).to_contain_text("第 2 版")
    expect(page.locator("#copy")).to_contain_text("一致")
    expect(page.get_by_role("heading", name="审核记录")).to_be_visible()
    # A Word copy shows no seal: the reviewer records that the sealed paper was seen.
    expect(page.locator("#decide")).to_contain_text("仍然存在")
    page.locator("#decide textarea[name$='-reason']").fill("已核对加盖公章的纸质申请表")
    page.get_by_label("审核说明").fill("同意")
    page.get_by_role("button", name="审核通过…").click()
    expect(page.locator("#planned")).to_contain_text("云南曲靖水电站项目")
    shot(page, "screenshot-confirm.png")
    page.get_by_role("button", name="确认审核通过并登记").click()
    expect(page.locator(".flash")).to_contain_text("已审核通过")
    expect(page.locator("h1")).to_contain_text("已通过")


def lots_are_offset(page: Any, base: str) -> None:
    """The enterprise's registration query: the registration and the 已抵销 lot."""
    expect = playwright.expect
    page.goto(base + "/")
    expect(page.locator(".notices")).to_contain_text("已审核通过")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="抵销登记查询").click()
    expect(page.locator("#registrations")).to_contain_text("DJ2021-000001")
    expect(page.locator("#registrations")).to_contain_text("云南曲靖水电站项目 · 20000 吨")
    offset = page.locator("#lots tbody tr", has_text="已抵销").filter(has_text="2075")
    expect(offset).to_contain_text("20000")
    pending = page.locator("#lots tbody tr", has_text="待抵销").filter(has_text="2075")
    expect(pending).to_contain_text("196159")


def ministry_sees_projects(browser: Any, base: str) -> None:
    """The ministry's project list holds the number used, with the approved quantity."""
    expect = playwright.expect
    page = log_in(browser, base, "demo-ministry")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="项目编号核验").click()
    row = page.locator("#p-2075")
    expect(row).to_contain_text("云南曲靖水电站项目")
    expect(row).to_contain_text("大唐太原发电有限责任公司")
    expect(row).to_contain_text("已通过")
    page.context.close()


def test_submit_reject_resubmit_approve_register(live_server: str, browser: Any) -> None:
    enterprise = log_in(browser, live_server, "demo-enterprise-2")
    submission_id = fill_and_submit(enterprise)
    stranger_cannot_see(browser, live_server, submission_id)
    reviewer = log_in(browser, live_server, "demo-province-2")
    reject_with_a_note(reviewer, live_server, submission_id)
    read_reasons_and_resubmit(enterprise, live_server)
    approve(reviewer, live_server, submission_id)
    lots_are_offset(enterprise, live_server)
    ministry_sees_projects(browser, live_server)


def test_pages_fit_a_phone(live_server: str, browser: Any) -> None:
    page = log_in(browser, live_server, "demo-enterprise-2", viewport=PHONE)
    page.get_by_role("link", name="上传申请表", exact=True).click()
    playwright.expect(page.locator("h1")).to_have_text("上传申请表")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the upload page scrolls sideways ({width} px)"
    shot(page, "screenshot-phone.png")
