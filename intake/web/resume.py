"""Resuming the checks nobody is doing: those pending or running when a process stopped.

``start_resuming`` is called when ``intake serve`` (or the WSGI module) and ``intake
worker`` start: it sweeps once at once, then every half staleness period in the processes
that run checks themselves (thread runner, worker). A version is swept when it has been
pending for a staleness period, or running without a sign of life for as long; sweeping
twice costs at most a job that finds the version claimed and does nothing.
"""

from __future__ import annotations

import datetime as dt
import threading

from flask import Flask

from intake import clock
from intake.review.submissions import check_claims
from intake.review.submissions.models import utcnow
from intake.web.database import sessions, settings
from intake.web.jobs import RqRunner, runner

MIN_SWEEP_S = 1.0


def resume(app: Flask) -> int:
    """Queue again the checks nobody is doing; how many were queued."""
    config = settings(app)
    period = dt.timedelta(seconds=config.check_stale_s)
    # A sign of life is real time; an upload is dated by the service's clock.
    stale_before, pending_before = utcnow() - period, clock.now(config) - period
    with sessions(app)() as session:
        ids = check_claims.unfinished(
            session, stale_before=stale_before, pending_before=pending_before
        )
    return runner(app).resume(ids) if ids else 0


class Sweeper:
    """Calls ``resume`` now, then every ``every`` seconds from a daemon thread (if given)."""

    def __init__(self, app: Flask, every: float | None) -> None:
        self.app, self.every = app, every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="intake-resume", daemon=True)

    def start(self) -> Sweeper:
        """Sweep once, then start the periodic sweeps."""
        self._sweep()
        if self.every is not None:
            self.thread.start()
        return self

    def stop(self) -> None:
        """Stop the periodic sweeps."""
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()

    def _loop(self) -> None:
        assert self.every is not None
        while not self.stopped.wait(self.every):
            self._sweep()

    def _sweep(self) -> None:
        try:
            count = resume(self.app)
        except Exception:  # the database or Redis is away: the next sweep tries again
            self.app.logger.exception("resuming unfinished checks failed")
            return
        if count:
            self.app.logger.warning("resumed %s unfinished checks", count)


def sweep_interval(app: Flask) -> float:
    """Seconds between sweeps: half the staleness period (at least a second)."""
    return max(settings(app).check_stale_s / 2, MIN_SWEEP_S)


def start_resuming(app: Flask, *, every: float | None = None) -> Sweeper:
    """Resume unfinished checks now, then every ``every`` seconds: by default half the
    staleness period in a process that runs checks itself, and never in a web process that
    only queues them on RQ (its workers sweep)."""
    if every is None and not isinstance(runner(app), RqRunner):
        every = sweep_interval(app)
    sweeper = Sweeper(app, every).start()
    app.extensions["intake.sweeper"] = sweeper
    return sweeper
