"""File -> Report: the one check pipeline every caller takes (command line, web, API, jobs, batch).

A ``Checker`` holds what a check is made against: the registry, the compliance cycles
and the OCR confidence threshold of the settings. ``Checker.for_session`` builds the
one a caller with a database uses, and decides there, explicitly, whether the CCER
other live applications ask for counts against what the entity holds (``Claims``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from intake.application import Application, Report
from intake.cycles import Cycles
from intake.verify import problem_for, verify
from intake.verify.catalogue import code_sort_key, field_sort_key
from intake.verify.copy import compare_copy, copy_problems

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from intake.config import Settings
    from intake.sandbox import Limits
    from intake.verify.protocol import Registry


class Claims(enum.Enum):
    """Whether the quantities the entity's other live applications ask for count."""

    # A check of a version of an application (web, API, jobs, batch): what the entity's
    # other applications awaiting a decision ask for is not available to this one.
    LIVE = "live"
    # A check of a file outside any application (the command line, the demo's seed).
    IGNORED = "ignored"


def parse_report(
    path: Path,
    *,
    name: str | None = None,
    ocr_cache: Path | None = None,
    limits: Limits | None = None,
) -> Report:
    """The file's application, or a report holding only the parser's one problem.

    With ``limits`` the parse runs in a limited worker process (``intake.sandbox``):
    what an untrusted file must go through. The parsers are imported only here, so
    that a caller that parses in workers never loads them.
    """
    label = name or str(path)
    if limits is not None:
        from intake.sandbox import parse_isolated

        return parse_isolated(
            path,
            timeout_s=limits.timeout_s,
            memory_mb=limits.memory_mb,
            ocr_cache=ocr_cache,
            name=label,
        )
    from intake.parsers import ParseError, parse

    try:
        application = parse(path, ocr_cache=ocr_cache)
    except ParseError as exc:
        problem = problem_for(exc.code, message=exc.message)
        return Report(file=label, application=None, problems=[problem])
    return Report(file=label, application=application)


@dataclass(frozen=True)
class Checker:
    """Checks applications against one registry, under the settings' cycles and threshold."""

    registry: Registry
    cycles: Cycles
    low_confidence: float

    @classmethod
    def from_settings(cls, settings: Settings, registry: Registry) -> Checker:
        """The checker of these settings over a registry given (in memory, preloaded)."""
        return cls(registry, settings.cycles, settings.ocr_low_confidence)

    @classmethod
    def for_session(
        cls,
        session: Session,
        settings: Settings,
        *,
        claims: Claims,
        preload: Iterable[str | None] | None = None,
    ) -> Checker:
        """The checker over the database's registry.

        With ``preload`` (the codes of a batch's applications) the registry of those
        units and their live claims are read at once and every check answers from memory.
        """
        from intake.registry.lookup import SqlRegistry

        if preload is not None:
            from intake.batch import preloaded_registry

            registry: Registry = preloaded_registry(session, preload, claims is Claims.LIVE)
        elif claims is Claims.LIVE:
            from intake.review.submissions.operations import claims as live_claims

            registry = SqlRegistry(session, claims=lambda uscc, ex: live_claims(session, uscc, ex))
        else:
            registry = SqlRegistry(session)
        return cls.from_settings(settings, registry)

    def check(
        self,
        application: Application,
        *,
        file: str | None = None,
        exclude_submission: int | None = None,
        applicant_uscc: str | None = None,
        application_year: int | None = None,
        copy: Report | None = None,
    ) -> Report:
        """Every problem of an application, found in one pass.

        ``exclude_submission`` is the application the form is a version of (its own
        claims do not count); ``applicant_uscc`` binds the check to the enterprise account
        that hands the form in; ``application_year`` to its application's year; ``copy`` is
        the report of the stamped copy of an application typed online, compared with it
        field by field.
        """
        problems = verify(
            application,
            self.registry,
            cycles=self.cycles,
            low_confidence=self.low_confidence,
            exclude_submission=exclude_submission,
            applicant_uscc=applicant_uscc,
            application_year=application_year,
        )
        if copy is not None:
            problems += copy_problems(copy)
            if copy.application is not None:
                problems += compare_copy(application, copy.application)
        problems.sort(key=lambda p: (field_sort_key(p.field), code_sort_key(p.code)))
        return Report(file=file, application=application, problems=problems)

    def check_file(
        self,
        path: Path,
        *,
        name: str | None = None,
        ocr_cache: Path | None = None,
        limits: Limits | None = None,
    ) -> Report:
        """Parse the file (in a limited child process with ``limits``) and check it."""
        report = parse_report(path, name=name, ocr_cache=ocr_cache, limits=limits)
        if report.application is None:
            return report
        return self.check(report.application, file=report.file)
