"""The web app for a WSGI server: ``gunicorn --preload intake.wsgi:app``.

Building it migrates the schema, and the checks that stopped processes left unfinished
are resumed. Under ``--preload`` this runs once, in gunicorn's master process, before
the workers fork: so the schema is migrated once, and the workers must not share the
master's database connections (each opens its own).
"""

from __future__ import annotations

from intake import create_app
from intake.web.database import engine
from intake.web.resume import start_resuming

app = create_app()
start_resuming(app)
engine(app).dispose()
