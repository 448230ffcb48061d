"""Provincial review: the queue; an application with its file, values, problems, history; decisions.

Only province users reach these pages, and only for applications of their own
province: any other id answers 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from intake import clock
from intake.accounts.models import Role
from intake.application import Application, Problem, number
from intake.forms.review import (
    ActionForm,
    ApproveForm,
    NoteForm,
    QueueFilterForm,
    RejectForm,
    choices,
)
from intake.registry.lookup import SqlRegistry
from intake.registry.models import Project
from intake.review import audit, notify
from intake.review.audit import Actor
from intake.review.decisions import items as decision_items
from intake.review.decisions import operations as decisions
from intake.review.decisions.guards import decided_version
from intake.review.decisions.items import problem_key, standing_errors
from intake.review.decisions.queries import decisions_of
from intake.review.errors import ReviewError
from intake.review.projects import queries as usage
from intake.review.projects.models import ProjectVerification
from intake.review.registrations import operations as registration
from intake.review.registrations import queries as registration_queries
from intake.review.submissions import queries
from intake.review.submissions.diff import diff_applications, diff_problems
from intake.review.submissions.models import Submission, Version
from intake.verify.catalogue import label as field_label
from intake.verify.copy import side_by_side
from intake.web import reporting
from intake.web.database import db, settings, storage
from intake.web.paging import page_number
from intake.web.security import address, roles_required, user

bp = Blueprint("review", __name__, url_prefix="/review")


def province_submission(submission_id: int) -> Submission:
    """The submission when the reviewer's province reviews it; 404 otherwise."""
    submission = db().get(Submission, submission_id)
    province = user().province
    if submission is None or province is None or submission.state == "draft":
        abort(404)
    if not queries.submission_in_province(db(), submission, province):
        abort(404)
    return submission


def _version(submission: Submission, number_: int | None) -> Version:
    if number_ is None:
        latest = submission.latest
        if latest is None:
            abort(404)
        return latest
    for version in submission.versions:
        if version.number == number_:
            return version
    abort(404)


@bp.route("/")
@roles_required(Role.PROVINCE)
def queue() -> str:
    """The province's applications, filtered and sorted, a page at a time."""
    form = QueueFilterForm(request.args)
    where = queries.QueueFilter(
        state=form.state.data or None,
        entity=form.entity.data or None,
        year=form.year_value if form.validate() else None,
        sort=form.sort.data or "updated",
        descending=not form.ascending.data,
    )
    page = queries.province_queue(
        db(), user().province or "", where, deadline=settings().deadline,
        today=clock.today(settings()), page=page_number(),
    )  # fmt: skip
    return render_template(
        "review/queue.html", form=form, page=page, rows=page.rows, page_url=_page_url
    )


def _page_url(number_: int) -> str:
    """The queue's URL with the same filters and order, at another page."""
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key != "page"}
    return url_for("review.queue", **args, page=number_)


@dataclass(frozen=True)
class RowCheck:
    """One CCER row with what the registry, the catalogue and the ministry say of its project."""

    index: int
    project_number: str | None
    quantity: Any
    catalogue: Project | None
    verification: ProjectVerification | None
    pending_t: Decimal | None


def _row_checks(submission: Submission, application: Application | None) -> list[RowCheck]:
    if application is None:
        return []
    numbers = sorted({r.project_number for r in application.ccer_rows if r.project_number})
    found = usage.verifications(db(), numbers)
    catalogue = usage.catalogue_projects(db(), numbers)
    pending = SqlRegistry(db()).pending(submission.uscc)
    return [
        RowCheck(
            index,
            row.project_number,
            row.cancel_quantity_t,
            catalogue.get(row.project_number or ""),
            found.get(row.project_number or ""),
            pending.get(row.project_number or ""),
        )
        for index, row in enumerate(application.ccer_rows, start=1)
    ]


def _history(submission: Submission) -> list[dict[str, Any]]:
    """Each version with what changed since the one before it."""
    history = []
    previous: Version | None = None
    for version in submission.versions:
        entry: dict[str, Any] = {"version": version, "fields": [], "problems": None}
        if previous is not None:
            entry["fields"] = diff_applications(previous.application_json, version.application_json)
            entry["problems"] = diff_problems(_problems(previous), _problems(version))
        history.append(entry)
        previous = version
    return list(reversed(history))


def _problems(version: Version) -> list[Problem]:
    report = version.report
    return report.problems if report is not None else []


def _detail(submission: Submission, version: Version, **forms: Any) -> str:
    data = version.application_json
    application = Application.from_json(data) if data else None
    # The queue reaches only the reviewer's own province: its registry data may be shown.
    report = reporting.visible(version.report, submission.uscc, None, entitled=True)
    errors = standing_errors(version)
    approve_form = forms.get("approve_form") or ApproveForm(version=str(version.number))
    if not approve_form.overrides.entries:
        for problem in errors:
            approve_form.overrides.append_entry({"key": problem_key(problem), "reason": ""})
    sections = reporting.sections(data, report.problems)
    note_form = forms.get("note_form") or NoteForm()
    note_form.field.choices = choices(
        [("", "（整份申请）")] + [(f.path, f.label) for s in sections for f in s.fields]
    )
    return render_template(
        "review/detail.html",
        submission=submission,
        version=version,
        is_latest=version is submission.latest,
        application=data,
        sections=sections,
        errors=report.errors,
        warnings=report.warnings,
        foreign_uscc=False,
        standing=list(zip(errors, approve_form.overrides.entries, strict=False)),
        approve_form=approve_form,
        reject_form=forms.get("reject_form") or RejectForm(version=str(version.number)),
        note_form=note_form,
        notes=decision_items.draft_notes(db(), version),
        decisions=decisions_of(db(), submission.id),
        rows=_row_checks(submission, application),
        history=_history(submission),
        registration=registration_queries.registration_of(db(), submission.id),
        requested=number(application.offset_requested_t) if application else None,
        copy_rows=_copy_rows(application, version),
    )


@dataclass(frozen=True)
class CopyRow:
    """One field of an online application beside what its stamped copy shows."""

    label: str
    online: str
    copy: str
    same: bool


def _copy_rows(application: Application | None, version: Version) -> list[CopyRow]:
    if application is None or version.copy_application_json is None:
        return []
    copy = Application.from_json(version.copy_application_json)
    return [
        CopyRow(field_label(path), mine, theirs, same)
        for path, mine, theirs, same in side_by_side(application, copy)
    ]


@bp.route("/<int:submission_id>")
@bp.route("/<int:submission_id>/v/<int:number_>")
@roles_required(Role.PROVINCE)
def detail(submission_id: int, number_: int | None = None) -> str:
    """One application: file, values read, problems, CCER rows, history, decisions."""
    submission = province_submission(submission_id)
    return _detail(submission, _version(submission, number_))


@bp.route("/<int:submission_id>/v/<int:number_>/file")
@roles_required(Role.PROVINCE)
def original(submission_id: int, number_: int) -> Response:
    """The uploaded file of a version, as it was received."""
    submission = province_submission(submission_id)
    version = _version(submission, number_)
    sha256 = version.checked_file_sha256
    if sha256 is None or not storage().exists(sha256):
        abort(404)
    audit.log_download(db(), Actor.of(user(), address()), version)
    return send_file(
        storage().path(sha256),
        as_attachment=True,
        download_name=version.original_filename
        or version.copy_filename
        or f"application-{submission.id}",
    )


@bp.route("/<int:submission_id>/notes", methods=["POST"])
@roles_required(Role.PROVINCE)
def add_note(submission_id: int) -> str | Response:
    """Write down one point before deciding."""
    submission = province_submission(submission_id)
    form = NoteForm()
    form.field.choices = None  # any field path of the form; validated by its length only
    form.field.validate_choice = False
    if form.validate_on_submit():
        try:
            decisions.add_note(
                db(), submission, user(), form.text.data or "", form.field.data or None
            )
        except ReviewError as error:
            flash(str(error), "error")
        return redirect(url_for("review.detail", submission_id=submission.id) + "#notes")
    return _detail(submission, _version(submission, None), note_form=form)


@bp.route("/<int:submission_id>/notes/<int:note_id>/delete", methods=["POST"])
@roles_required(Role.PROVINCE)
def delete_note(submission_id: int, note_id: int) -> Response:
    """Withdraw a note not yet sent."""
    submission = province_submission(submission_id)
    note = decision_items.note_of(db(), submission, note_id)
    if note is None or not ActionForm().validate_on_submit():
        abort(404 if note is None else 400)
    try:
        decisions.delete_note(db(), note, user())
    except ReviewError as error:
        flash(str(error), "error")
    return redirect(url_for("review.detail", submission_id=submission.id) + "#notes")


@bp.route("/<int:submission_id>/approve", methods=["POST"])
@roles_required(Role.PROVINCE)
def approve(submission_id: int) -> str | Response:
    """Show what approving would register; approve and register once that is confirmed."""
    submission = province_submission(submission_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _detail(submission, _version(submission, None), approve_form=form)
    overrides = {entry.key.data: entry.reason.data or "" for entry in form.overrides.entries}
    if form.confirmed.data != "1":
        return _confirm(submission, form, overrides)
    try:
        result = decisions.approve(
            db(), submission, user(), version=form.version_value, overrides=overrides,
            comment=form.comment.data or "", address=address(),
        )  # fmt: skip
    except ReviewError as error:
        db().rollback()
        flash(str(error), "error")
        return redirect(url_for("review.detail", submission_id=submission_id))
    notify.deliver(db(), settings(), result.notice)
    flash("已审核通过，抵销登记已完成", "info")
    return redirect(url_for("review.detail", submission_id=submission.id))


def _confirm(
    submission: Submission, form: ApproveForm, overrides: dict[str, str]
) -> str | Response:
    """The confirmation page: the rows, quantities and lots the approval would register."""
    try:
        version = decided_version(submission, form.version_value)
        decision_items.override_notes(submission, version, user(), overrides)
        application = Application.from_json(version.application_json or {})
        planned = registration.plan(db(), submission.uscc, application)
    except ReviewError as error:
        flash(str(error), "error")
        return redirect(url_for("review.detail", submission_id=submission.id) + "#decide")
    return render_template(
        "review/confirm.html", submission=submission, version=version, form=form,
        planned=planned, total=sum((p.quantity_t for p in planned), Decimal(0)),
        short=[p for p in planned if p.short],
    )  # fmt: skip


@bp.route("/<int:submission_id>/reject", methods=["POST"])
@roles_required(Role.PROVINCE)
def reject(submission_id: int) -> str | Response:
    """Send the application back with every automatic problem and every note at once."""
    submission = province_submission(submission_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _detail(submission, _version(submission, None), reject_form=form)
    try:
        result = decisions.reject(
            db(), submission, user(), version=form.version_value,
            comment=form.comment.data or "", address=address(),
        )  # fmt: skip
    except ReviewError as error:
        db().rollback()
        flash(str(error), "error")
        return redirect(url_for("review.detail", submission_id=submission_id))
    notify.deliver(db(), settings(), result.notice)
    flash("已驳回，审核意见已一次性告知申请单位", "info")
    return redirect(url_for("review.detail", submission_id=submission.id))


def _latest(submission_id: int) -> Version:
    submission = db().get(Submission, submission_id)
    if submission is None or submission.latest is None:
        abort(404)
    return submission.latest
