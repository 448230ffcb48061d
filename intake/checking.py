"""File -> Report: the one path every caller (command line, web, batch) takes to check a file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from intake.application import Application, Problem, Report
from intake.verify import verify
from intake.verify.catalogue import code_sort_key, field_sort_key
from intake.verify.copy import compare_copy, copy_problems

if TYPE_CHECKING:
    from intake.sandbox import Limits
    from intake.verify.protocol import Registry


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
        problem = Problem(code=exc.code, severity="error", field=None, message=exc.message)
        return Report(file=label, application=None, problems=[problem])
    return Report(file=label, application=application)


def check_application(
    application: Application,
    registry: Registry,
    *,
    file: str | None = None,
    deadline: dt.date = dt.date(2023, 12, 15),
    low_confidence: float = 0.80,
    exclude_submission: int | None = None,
    applicant_uscc: str | None = None,
    application_year: int | None = None,
    copy: Report | None = None,
) -> Report:
    """Every problem of an application, found in one pass.

    ``applicant_uscc`` binds the check to the enterprise account that hands the form in;
    ``application_year`` to its application's year; ``copy`` is the report of the stamped
    copy of an application typed online, compared with it field by field.
    """
    problems = verify(
        application,
        registry,
        deadline=deadline,
        low_confidence=low_confidence,
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
    path: Path,
    registry: Registry,
    *,
    name: str | None = None,
    deadline: dt.date = dt.date(2023, 12, 15),
    low_confidence: float = 0.80,
    ocr_cache: Path | None = None,
    limits: Limits | None = None,
) -> Report:
    """Parse the file (in a limited child process with ``limits``) and verify it."""
    report = parse_report(path, name=name, ocr_cache=ocr_cache, limits=limits)
    if report.application is None:
        return report
    return check_application(
        report.application,
        registry,
        file=report.file,
        deadline=deadline,
        low_confidence=low_confidence,
    )
