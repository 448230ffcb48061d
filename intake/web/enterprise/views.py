"""Home, upload, the report of a version, its progress, print view and what changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from intake.accounts.models import Role
from intake.forms.review import ActionForm
from intake.forms.upload import UploadForm
from intake.review import notify
from intake.review.errors import ReviewError
from intake.review.export import BEIJING
from intake.review.submissions import operations, queries
from intake.review.submissions.diff import diff_applications, diff_problems
from intake.review.submissions.models import CheckState, Version
from intake.verify.catalogue import label
from intake.web import reporting
from intake.web.database import db, storage
from intake.web.enterprise import bp, files
from intake.web.enterprise.access import own_submission, own_version, registry
from intake.web.enterprise.status import STATE_LABELS, refuse_change, review_status
from intake.web.jobs import runner
from intake.web.security import address, roles_required, user

CHECK_LABELS = {"pending": "排队等待检查", "running": "正在读取和检查", "done": "检查完成",
                "failed": "检查失败"}  # fmt: skip


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"STATE_LABELS": STATE_LABELS, "CHECK_LABELS": CHECK_LABELS, "anchor": reporting.anchor}


@bp.app_template_filter()
def when(moment: dt.datetime, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) timestamp as Beijing time, the time every user reads."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING).strftime(pattern)


bp.add_app_template_global(label, "field_label")


@bp.app_template_global()
def state_label(state: str) -> str:
    """The state of an application in Chinese (also for macros, which see no context)."""
    return STATE_LABELS.get(state, state)


@bp.route("/")
@login_required
def home() -> str | Response:
    """The entity's unread notices, its applications newest first, and ways to start one."""
    if user().role != Role.ENTERPRISE:
        return redirect(url_for("dashboard.home"))
    uscc = user().uscc or ""
    return render_template(
        "enterprise/home.html",
        submissions=queries.entity_submissions(db(), uscc),
        entity=registry().entity(uscc),
        notices=notify.notices_for(db(), uscc, unread_only=True),
        notice_form=ActionForm(),
    )


@bp.route("/applications/start")
@roles_required(Role.ENTERPRISE)
def start() -> str:
    """The ways to begin an application: fill in 2021 or 2022 online, or upload a file."""
    return render_template("enterprise/start.html", entity=registry().entity(user().uscc or ""))


@bp.route("/upload", methods=["GET", "POST"])
@bp.route("/applications/<int:submission_id>/upload", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def upload(submission_id: int | None = None) -> str | Response:
    """Upload a file: a new application, or a corrected version of one."""
    submission = own_submission(submission_id) if submission_id is not None else None
    if submission is not None and (refused := refuse_change(submission)):
        return refused
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        name = form.file.data.filename or "upload"
        try:
            if submission is None:
                version = operations.create_from_upload(
                    db(), storage(), user=user(), data=data, filename=name, address=address()
                )
            else:
                version = operations.add_version(
                    db(), submission, user=user(), storage=storage(), data=data, filename=name,
                    address=address(),
                )  # fmt: skip
        except ReviewError as error:
            flash(str(error), "error")
            return redirect(url_for("enterprise.home"))
        runner().submit(version.id)
        return redirect(_version_url(version))
    return render_template("enterprise/upload.html", form=form, submission=submission)


@bp.route("/applications/<int:submission_id>/copy", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def upload_copy(submission_id: int) -> str | Response:
    """Upload the stamped copy of an application typed online: it is read and compared."""
    submission = own_submission(submission_id)
    if refused := refuse_change(submission):
        return refused
    form = UploadForm()
    if form.validate_on_submit():
        try:
            version = operations.attach_copy(
                db(), storage(), submission, user=user(), data=form.file.data.read(),
                filename=form.file.data.filename or "copy", address=address(),
            )  # fmt: skip
        except ReviewError as error:
            flash(str(error), "error")
            return redirect(url_for("enterprise.submission", submission_id=submission.id))
        runner().submit(version.id)
        return redirect(_version_url(version))
    return render_template("enterprise/upload.html", form=form, submission=submission, copy=True)


@bp.route("/applications/<int:submission_id>")
@roles_required(Role.ENTERPRISE)
def submission(submission_id: int) -> Response:
    """The latest version's report."""
    latest = own_submission(submission_id).latest
    if latest is None:
        abort(404)
    return redirect(_version_url(latest))


@bp.route("/applications/<int:submission_id>/v/<int:number>")
@roles_required(Role.ENTERPRISE)
def report(submission_id: int, number: int) -> str:
    """The report of one version, by section of the form; a progress page while it runs."""
    version = own_version(submission_id, number)
    if version.check_state in (CheckState.PENDING.value, CheckState.RUNNING.value):
        return render_template("enterprise/progress.html", version=version)
    return render_template("enterprise/report.html", **_report_context(version))


@bp.route("/applications/<int:submission_id>/v/<int:number>/copy")
@roles_required(Role.ENTERPRISE)
def copy_file(submission_id: int, number: int) -> Response:
    """The stamped copy of an online version, as it was uploaded."""
    version = own_version(submission_id, number)
    return files.send_stored(version.copy_sha256, version.copy_filename)


@bp.route("/applications/<int:submission_id>/v/<int:number>/print")
@roles_required(Role.ENTERPRISE)
def print_report(submission_id: int, number: int) -> str:
    """The report laid out for printing."""
    version = own_version(submission_id, number)
    return render_template("enterprise/print.html", **_report_context(version))


@bp.route("/applications/<int:submission_id>/v/<int:number>/status")
@roles_required(Role.ENTERPRISE)
def status(submission_id: int, number: int) -> Response:
    """The state of the version's automatic check, for the progress page to poll."""
    version = own_version(submission_id, number)
    return jsonify(
        {
            "state": version.check_state,
            "label": CHECK_LABELS[version.check_state],
            "done": version.check_state in (CheckState.DONE.value, CheckState.FAILED.value),
            "report_url": _version_url(version),
        }
    )


@bp.route("/applications/<int:submission_id>/v/<int:number>/changes")
@roles_required(Role.ENTERPRISE)
def changes(submission_id: int, number: int) -> str | Response:
    """What changed since the previous version: fields, problems fixed and new."""
    version = own_version(submission_id, number)
    if number < 2:
        flash("这是第一个版本，没有可比较的上一版本", "info")
        return redirect(_version_url(version))
    previous = own_version(submission_id, number - 1)
    uscc = (version.application_json or {}).get("uscc")
    before = reporting.visible(previous.report, uscc, user()).problems
    after = reporting.visible(version.report, uscc, user()).problems
    return render_template(
        "enterprise/changes.html",
        version=version,
        previous=previous,
        fields=diff_applications(previous.application_json, version.application_json),
        problems=diff_problems(before, after),
    )


def _report_context(version: Version) -> dict[str, Any]:
    application = version.application_json
    uscc = (application or {}).get("uscc")
    report = reporting.visible(version.report, uscc, user())
    return {
        "version": version,
        "submission": version.submission,
        "application": application,
        "sections": reporting.sections(application, report.problems),
        "errors": report.errors,
        "warnings": report.warnings,
        "foreign_uscc": uscc is not None and uscc != user().uscc,
        "next_url": request.path,
        "review": review_status(version.submission, version),
    }


def _version_url(version: Version) -> str:
    return url_for("enterprise.report", submission_id=version.submission_id, number=version.number)
