"""The online form: prefilled from the registry, checked by the verifier on every save."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from intake.accounts.models import Role
from intake.application import Application, Problem, Report
from intake.forms.application import ApplicationForm, data_from_application, initial_data
from intake.review.errors import ReviewError
from intake.review.submissions import operations
from intake.review.submissions.models import Submission, Version
from intake.web import reporting
from intake.web.database import db, settings
from intake.web.enterprise import bp
from intake.web.enterprise.access import checker, own_submission, pending_projects, registry
from intake.web.enterprise.status import refuse_change, review_status
from intake.web.security import address, roles_required, user

# Fields of the 声明 follow the table online; their problems are shown at the table's field.
_SHOWN_AT = {
    "declaration.offset_t": "offset_requested_t",
    "declaration.ratio_pct": "offset_ratio_pct",
    "declaration.year": "year",
    "declaration.province": "province",
}


@bp.app_context_processor
def _cycles() -> dict[str, Any]:
    """The compliance cycles, for every page that lists the years or shows a form's annex."""
    return {"cycles": settings().cycles}


@bp.route("/applications/new", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def new_form() -> str | Response:
    """A new application typed online, for the year asked (the first cycle's by default)."""
    cycles = settings().cycles
    year = request.args.get("year", str(cycles.first.year))
    if not year.isdigit() or int(year) not in cycles:
        abort(404)
    if request.method == "GET":
        lookup = registry()
        entity = lookup.entity(user().uscc or "")
        if entity is None:
            abort(404)
        due = lookup.due_allowance(entity.uscc, int(year))
        form = ApplicationForm(cycles, formdata=initial_data(entity, int(year), due))
    else:
        form = ApplicationForm(cycles)
    return _handle(form, None)


@bp.route("/applications/<int:submission_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def edit_form(submission_id: int) -> str | Response:
    """The online form holding the latest version, with its problems beside the fields."""
    submission = own_submission(submission_id)
    if refused := refuse_change(submission):
        return refused
    latest = submission.latest
    if request.method == "GET":
        application = _application_of(latest)
        if application is None:
            abort(404)
        form = ApplicationForm(settings().cycles, formdata=data_from_application(application))
    else:
        form = ApplicationForm(settings().cycles)
    return _handle(form, submission)


def _handle(form: ApplicationForm, submission: Submission | None) -> str | Response:
    exclude = submission.id if submission is not None else None
    projects = pending_projects(user().uscc or "", exclude)
    choices = [p.choice for p in projects]
    form.set_projects(choices)
    if request.method == "POST" and form.row_action(request.form):
        form.set_projects(choices)
        return _render(form, submission, projects, None)
    if form.validate_on_submit():
        try:
            version = _save(form.to_application(), submission)
        except ReviewError as error:
            flash(str(error), "error")
            return _render(form, submission, projects, None)
        return redirect(
            url_for("enterprise.edit_form", submission_id=version.submission_id, _anchor="result")
        )
    latest = submission.latest if submission is not None and request.method == "GET" else None
    return _render(form, submission, projects, latest)


def _save(application: Application, submission: Submission | None) -> Version:
    report = checker().check(
        application,
        file=None,
        exclude_submission=submission.id if submission is not None else None,
        applicant_uscc=user().uscc,
        application_year=submission.year if submission is not None else None,
    )
    if submission is None:
        return operations.create_from_form(db(), user=user(), report=report, address=address())
    db().refresh(submission)  # the check took time: number the version on fresh data
    return operations.add_version(db(), submission, user=user(), report=report, address=address())


def _render(
    form: ApplicationForm,
    submission: Submission | None,
    projects: list[Any],
    latest: Version | None,
) -> str:
    report = _latest_report(latest)
    by_field: dict[str, list[Problem]] = defaultdict(list)
    for problem in report.problems:
        path = problem.field or ""
        by_field[_SHOWN_AT.get(path, path)].append(problem)
    return render_template(
        "enterprise/form.html",
        form=form,
        submission=submission,
        version=latest,
        projects=projects,
        problems=report.problems,
        by_field=by_field,
        errors=report.errors,
        review=review_status(submission) if submission is not None else None,
        cycle=form.cycle,
        limit_pct=form.cycle.ceiling_pct,
        max_rows=current_app.config.get("MAX_ROWS", 30),
    )


def _latest_report(version: Version | None) -> Report:
    if version is None:
        return reporting.visible(None, None, user())
    uscc = (version.application_json or {}).get("uscc")
    return reporting.visible(version.report, uscc, user())


def _application_of(version: Version | None) -> Application | None:
    if version is None or version.application_json is None:
        return None
    return Application.from_json(version.application_json)
