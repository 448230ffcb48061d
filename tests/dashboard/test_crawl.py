"""Every role, every page reachable from its home page: no 5xx, no English, no raw role names."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask

from tests.fixtures.web import CRAWL_ROLES as ROLES
from tests.fixtures.web import CRAWL_SKIP as SKIP
from tests.fixtures.web import login

ENGLISH = re.compile(
    r"Not a valid|Field cannot|This field is required|Invalid|Internal Server Error|"
    r"Redirecting|Traceback"
)
# Role names as stored: shown to users only in Chinese.
RAW_ROLE = re.compile(r">\s*(enterprise|province|ministry|admin)\s*<")
LIMIT = 120


def _links(html: str, base: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"#]+)', html):
        url = urljoin(base, href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or SKIP.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_reaches_is_chinese_and_whole(demo_app: Flask, username: str) -> None:
    client = demo_app.test_client()
    login(client, username)
    queue, seen = deque(["/"]), {"/"}
    visited = 0
    while queue and visited < LIMIT:
        url = queue.popleft()
        response = client.get(url, follow_redirects=True)
        response.close()  # a download is streamed from its stored file
        visited += 1
        assert response.status_code < 500, url
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        page = response.get_data(as_text=True)
        assert not ENGLISH.search(page), (url, ENGLISH.search(page))
        assert not RAW_ROLE.search(page), (url, RAW_ROLE.search(page))
        for link in _links(page, url):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    assert visited > 5
