"""The page number of a paged list, read from the query string and bounded."""

from __future__ import annotations

from flask import abort, request

# Far beyond any real list (a page holds tens of rows), yet small enough that the
# offset it makes fits every database's integer.
MAX_PAGE = 1_000_000


def page_number() -> int:
    """``?page=``: 1 when absent, not a number or below 1; 404 beyond MAX_PAGE."""
    raw = request.args.get("page", "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw) > len(str(MAX_PAGE)) or int(raw) > MAX_PAGE:
        abort(404)
    return max(int(raw), 1)
