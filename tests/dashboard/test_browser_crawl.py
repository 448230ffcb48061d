"""In Chromium, every role: the pages reachable from its home page are whole and Chinese.

Each demo role logs in through the login page, then walks the same-origin links from its
home page, breadth first. Every page must answer below 500 and show, as rendered, no
English validation or error text and no role name as stored. Each filter form met on the
way is sent once with letters in its number and date fields and once with values far out
of range; the answer must be Chinese and below 500 too.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from intake.demo import DEMO_PASSWORD, DEMO_TODAY
from tests.fixtures import live
from tests.fixtures.web import CRAWL_ROLES as ROLES
from tests.fixtures.web import CRAWL_SKIP as SKIP

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not live.CHROMIUM.exists(), reason="Chromium is not installed"),
]

LIMIT = 30  # pages per role: every kind of page is reached well before
SAME_KIND = 2  # pages of one kind (path with its ids and codes, names of the query)
# English as users would read it: form validation, HTTP errors, tracebacks.
ENGLISH = re.compile(
    r"Not a valid|Field cannot|This field|[Ii]nvalid|Internal Server Error|Not Found|"
    r"Forbidden|Bad Request|Method Not Allowed|Unauthorized|Too Many Requests|Redirecting|"
    r"Traceback|Exception|\b[Ee]rror\b|\b[Rr]equired\b|\bmust be\b|\b[Pp]lease\b"
)
# A role as stored, standing alone (user names such as demo-province are not roles).
RAW_ROLE = re.compile(r"(?<![\w-])(enterprise|province|ministry|admin)(?![\w-])")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# The number of filter forms each role must have met (at least).
FORMS = {"demo-enterprise": 0, "demo-enterprise-2": 0, "demo-province": 2,
         "demo-province-2": 2, "demo-ministry": 4, "admin": 4}  # fmt: skip

# Fill a GET form with garbage the browser itself would refuse: ``variant`` 0 puts letters
# in number and date fields, 1 puts numbers and dates far out of range.
GARBLE = """(form, variant) => {
  form.noValidate = true;
  let dates = 0;
  for (const el of Array.from(form.elements)) {
    if (el.tagName === "SELECT") {
      el.add(new Option("x", variant ? "9999" : "zz<'\\">"));
      el.value = variant ? "9999" : "zz<'\\">";
      continue;
    }
    if (el.tagName !== "INPUT" || ["submit", "button", "reset"].includes(el.type)) continue;
    if (el.type === "checkbox" || el.type === "radio") { el.checked = true; continue; }
    for (const a of ["min", "max", "pattern", "maxlength", "required"]) el.removeAttribute(a);
    const kind = el.type;
    el.type = "text";
    if (kind === "number") el.value = variant ? "99999999999999999999999" : "abc";
    else if (kind === "date") el.value = variant ? (dates++ ? "0001-01-01" : "9999-12-31") : "abcd-ef-gh";
    else el.value = variant ? "9".repeat(400) : "<b>x</b>'\\"%_";
  }
}"""
# Links of HTML and of the charts' SVG (whose ``href`` is not a string), made absolute.
HREFS = "els => els.map(e => new URL(e.getAttribute('href'), document.baseURI).href)"
# Not pages: downloads (and logout, which would end the walk).
DOWNLOAD = re.compile(r"/copy$")


@pytest.fixture(scope="module")
def crawl_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo with its applications, on the demo's today, shared by every role."""
    folder: Path = tmp_path_factory.mktemp("crawl")
    with live.live_server(folder, applications=True, today=DEMO_TODAY) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for every role (each gets a context of its own)."""
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(live.CHROMIUM), headless=True,
                                    args=live.ARGS)  # fmt: skip
        yield browser
        browser.close()


def _check(page: Any, response: Any, where: str) -> None:
    """The page answered below 500 and reads in Chinese only."""
    assert response is not None, where
    assert response.status < 500, (where, response.status)
    text: str = page.evaluate("document.body.innerText")
    assert CHINESE.search(text), where
    english = ENGLISH.search(text)
    assert english is None, (where, english and english.group(0))
    role = RAW_ROLE.search(text)
    assert role is None, (where, role and role.group(0))


def _links(page: Any, origin: str) -> list[str]:
    """The page's same-origin links to pages (no downloads, no logout), as path and query."""
    hrefs: list[str] = page.eval_on_selector_all("a[href]", HREFS)
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if (
            f"{parts.scheme}://{parts.netloc}" != origin
            or SKIP.search(parts.path)
            or DOWNLOAD.search(parts.path)
        ):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _kind(link: str) -> tuple[str, ...]:
    """What a link shows, apart from which one: /review/5 and /review/7 are of one kind."""
    parts = urlsplit(link)
    path = re.sub(r"/(\d+|[A-Z][A-Z_]+)(?=/|$)", "/*", parts.path)
    return (path, *sorted(key for key, _ in parse_qsl(parts.query)))


def _try_forms(page: Any, url: str) -> int:
    """Send each GET form of the page with garbage (both variants); how many forms."""
    count: int = page.locator("form[method=get]").count()
    for index in range(count):
        for variant in (0, 1):
            if variant or index:
                page.goto(url)
            form = page.locator("form[method=get]").nth(index)
            form.evaluate(GARBLE, variant)
            with page.expect_navigation() as navigation:
                form.evaluate("f => f.requestSubmit()")
            assert "?" in page.url, url  # the garbage was sent
            _check(page, navigation.value, f"{url} form {index} variant {variant}: {page.url}")
    return count


def _login(context: Any, origin: str, username: str) -> Any:
    page = context.new_page()
    response = page.goto(origin + "/login")
    _check(page, response, "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, username
    return page


@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_reaches_in_the_browser_is_whole_and_chinese(
    crawl_server: str, chromium: Any, username: str
) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = _login(context, crawl_server, username)
    queue, seen, tried = deque(["/"]), {"/"}, set()
    kinds: Counter[tuple[str, ...]] = Counter()
    visited = forms = 0
    while queue and visited < LIMIT:
        url = queue.popleft()
        response = page.goto(crawl_server + url)
        visited += 1
        _check(page, response, url)
        links = _links(page, crawl_server)
        path = urlsplit(url).path
        if path not in tried:
            tried.add(path)
            forms += _try_forms(page, crawl_server + url)
        for link in links:
            if link not in seen and kinds[_kind(link)] < SAME_KIND:
                seen.add(link)
                kinds[_kind(link)] += 1
                queue.append(link)
    context.close()
    assert visited > 5
    assert forms >= FORMS[username]
