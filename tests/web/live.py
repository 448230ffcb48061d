"""A live server for browser tests: the app with the demo data, served from a thread."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from intake import create_app
from intake.demo import load_demo

CHROMIUM = Path(os.environ.get("INTAKE_CHROMIUM", "/usr/bin/chromium"))
# Screenshots go to INTAKE_SCREENSHOTS (``docs`` to refresh the README's pictures),
# otherwise to a temporary folder, so that a test run leaves the work tree as it was.
DOCS = Path(os.environ.get("INTAKE_SCREENSHOTS") or tempfile.mkdtemp(prefix="intake-shots-"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@contextmanager
def live_server(
    tmp_path: Path, *, applications: bool = False, today: dt.date | None = None
) -> Iterator[str]:
    """The demo app on a free local port; yields its base URL, stops it afterwards.

    With ``applications`` the demo's applications in every state are loaded too; ``today``
    sets the service's clock.
    """
    from werkzeug.serving import make_server

    app: Flask = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'browser.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "browser-test",
            "JOB_RUNNER": "thread",
            "TODAY": today,
        }
    )
    load_demo(app, applications=applications)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        app.extensions["intake.jobs"].pool.shutdown(wait=True)
        app.extensions["intake.engine"].dispose()
