"""The enterprise's pages: home, upload, online form, report, history, downloads."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("enterprise", __name__)

from intake.web.enterprise import files, online, views  # noqa: E402, F401  (routes register on bp)
