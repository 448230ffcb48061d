"""The verifier: every problem of an application, found in one pass.

``verify(app, registry)`` runs every rule of ``intake.verify.rules`` and returns
the problems in the order of the form (field by field, top to bottom), then in
the catalogue's order of codes. The caller wraps them in a ``Report``.
"""

from __future__ import annotations

import datetime as dt
import decimal

from intake.application import Application, Problem
from intake.config import LOW_CONFIDENCE
from intake.cycles import Cycles, load_cycles
from intake.verify import rules as _rules  # noqa: F401  (importing registers the rules)
from intake.verify.catalogue import CATALOGUE, Entry, code_sort_key, field_sort_key
from intake.verify.check import Check
from intake.verify.engine import RULES, Found, problem_for, rule, run_rule
from intake.verify.protocol import Registry

__all__ = ["CATALOGUE", "Entry", "Found", "problem_for", "rule", "rules_table", "verify"]

# The built-in cycles, for callers that give none (tests, scripts).
BUILT_IN_CYCLES = load_cycles()
# Wide enough that sums and products of the bounded quantities are exact.
_EXACT = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)


def verify(
    app: Application,
    registry: Registry,
    *,
    cycles: Cycles = BUILT_IN_CYCLES,
    deadline: dt.date | None = None,
    exclude_submission: int | None = None,
    low_confidence: float = LOW_CONFIDENCE,
    applicant_uscc: str | None = None,
    application_year: int | None = None,
) -> list[Problem]:
    """Every problem of the application, ordered as the fields appear on the form.

    ``applicant_uscc`` binds the check to the enterprise account that hands the form in
    (``APPLICANT_MISMATCH``); ``application_year`` to the year of its application.
    ``cycles`` are the years accepted with their deadlines and ceilings; ``deadline``,
    when given, replaces every cycle's deadline.
    """
    if deadline is not None:
        cycles = cycles.replacing(deadline=deadline)
    check = Check(
        app,
        registry,
        cycles,
        exclude_submission,
        low_confidence,
        applicant_uscc=applicant_uscc,
        application_year=application_year,
    )
    with decimal.localcontext(_EXACT):
        problems = [problem for item in RULES for problem in run_rule(item, check)]
    return sorted(problems, key=lambda p: (field_sort_key(p.field), code_sort_key(p.code)))


def rules_table() -> list[tuple[str, str, str, str]]:
    """(code, severity, title, message template) of every code, in the contract's order."""
    return [(e.code, e.severity, e.title, e.message) for e in CATALOGUE.values()]
