"""The web app for a WSGI server (``gunicorn intake.wsgi:app``), resuming unfinished checks."""

from __future__ import annotations

from intake import create_app
from intake.web.resume import start_resuming

app = create_app()
start_resuming(app)
