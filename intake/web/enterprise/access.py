"""What an enterprise user may reach: its own entity's submissions and registry data only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import abort
from wtforms.fields.choices import SelectChoice

from intake.checking import Checker, Claims
from intake.review.registrations import queries as registration_queries
from intake.review.submissions.models import Submission, Version
from intake.verify.protocol import Registry
from intake.web.database import db, settings
from intake.web.security import user


def own_submission(submission_id: int) -> Submission:
    """The submission when it belongs to the user's entity; 404 otherwise (never 403: no hint)."""
    submission = db().get(Submission, submission_id)
    if submission is None or submission.uscc != user().uscc:
        abort(404)
    return submission


def own_version(submission_id: int, number: int) -> Version:
    """Version ``number`` of one of the user's submissions; 404 otherwise."""
    submission = own_submission(submission_id)
    for version in submission.versions:
        if version.number == number:
            return version
    abort(404)


def checker() -> Checker:
    """The check of an enterprise's application: the entity's other live applications count."""
    return Checker.for_session(db(), settings(), claims=Claims.LIVE)


def registry() -> Registry:
    """The registry as the enterprise's checks read it (its lookups for the pages)."""
    return checker().registry


@dataclass(frozen=True)
class PendingProject:
    """A project the entity holds 待抵销, with what is still free to ask for."""

    number: str
    name: str
    pending_t: Decimal
    available_t: Decimal

    @property
    def choice_label(self) -> str:
        """How the project appears in the CCER row's list."""
        name = f" {self.name}" if self.name else ""
        return f"{self.number}{name}（可用 {format(self.available_t, 'f')} 吨）"

    @property
    def choice(self) -> SelectChoice:
        """The option of the CCER row's list, carrying the available quantity for the page."""
        return SelectChoice(
            self.number, self.choice_label, render_kw={"data-available": str(self.available_t)}
        )


def pending_projects(uscc: str, exclude: int | None) -> list[PendingProject]:
    """The entity's 待抵销 projects, less what its other live applications ask for."""
    lookup = registry()
    pending = lookup.pending(uscc)
    claimed = lookup.claimed_elsewhere(uscc, exclude)
    names = registration_queries.pending_project_names(db(), uscc)
    return [
        PendingProject(
            number,
            names.get(number, ""),
            quantity,
            max(quantity - claimed.get(number, Decimal(0)), Decimal(0)),
        )
        for number, quantity in sorted(pending.items())
    ]
