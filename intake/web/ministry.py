"""The ministry: CCER project numbers used nationwide, their verification, audit log, exports."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from intake.accounts.models import Role
from intake.forms.review import AuditFilterForm, ProjectFilterForm, VerifyForm
from intake.review import audit, export
from intake.review.audit import Actor, AuditFilter
from intake.review.errors import ReviewError
from intake.review.projects import queries as usage
from intake.review.projects.operations import mark_project
from intake.review.projects.queries import ProjectFilter
from intake.web.database import db
from intake.web.paging import page_number
from intake.web.security import address, roles_required, user

bp = Blueprint("ministry", __name__, url_prefix="/ministry")


def _project_filter(form: ProjectFilterForm) -> ProjectFilter:
    """The filter and order chosen (none when the form does not validate)."""
    if not form.validate():
        return ProjectFilter()
    return ProjectFilter(
        flag=form.flag.data or None,
        number=(form.number.data or "").strip() or None,
        sort=form.sort.data or "number",
        descending=bool(form.descending.data),
    )


@bp.route("/projects")
@roles_required(Role.MINISTRY, Role.ADMIN)
def projects() -> str:
    """Project numbers used in applications, against the catalogue and pending data, paged."""
    form = ProjectFilterForm(request.args)
    page = usage.project_page(db(), _project_filter(form), page=page_number())
    return render_template(
        "ministry/projects.html",
        form=form,
        page=page,
        usages=page.usages,
        verify_form=VerifyForm(),
        flag_names=export.FLAG_NAMES,
        page_url=_page_url,
        export_args=_filter_args(),
    )


def _filter_args() -> dict[str, Any]:
    """The request's filters and order, without the page."""
    return {key: value for key, value in request.args.items() if key != "page"}


def _page_url(number: int) -> str:
    """The project list's URL with the same filters and order, at another page."""
    return url_for("ministry.projects", **_filter_args(), page=number)


@bp.route("/projects/<path:project_number>/verify", methods=["POST"])
@roles_required(Role.MINISTRY)
def verify(project_number: str) -> Response:
    """Record the ministry's finding on one project number."""
    form = VerifyForm()
    if not form.validate_on_submit():
        flash("请选择核验结果", "error")
    else:
        try:
            mark_project(
                db(), project_number, user(), verified=form.verified.data == "1",
                note=form.note.data or "", address=request.remote_addr or "",
            )  # fmt: skip
            flash(f"项目编号 {project_number} 的核验结果已保存", "info")
        except ReviewError as error:
            flash(str(error), "error")
    # Back to the list as it was filtered and ordered, not to this one project.
    return redirect(url_for("ministry.projects", **_filter_args()))


@bp.route("/projects.xlsx")
@roles_required(Role.MINISTRY, Role.ADMIN)
def projects_xlsx() -> Response:
    """The project list as an Excel workbook: every matching project number, not one page."""
    usages = usage.project_usage(db(), _project_filter(ProjectFilterForm(request.args)))
    _audit_export("项目编号", len(usages))
    return _xlsx(export.projects_xlsx(usages), "项目编号核验.xlsx")


def _audit_filter(form: AuditFilterForm) -> AuditFilter:
    """The filter asked for; none when the form does not validate (then the view answers 400)."""
    if not form.validate():
        return AuditFilter()
    return AuditFilter(
        action=form.action.data or None,
        username=(form.username.data or "").strip() or None,
        submission_id=form.submission_id.data,
        since=form.since.data,
        until=form.until.data,
    )


@bp.route("/audit")
@roles_required(Role.MINISTRY, Role.ADMIN)
def audit_log() -> tuple[str, int]:
    """The audit log, newest first."""
    form = AuditFilterForm(request.args)
    entries = audit.entries(db(), _audit_filter(form))
    page = render_template(
        "ministry/audit.html", form=form, entries=entries, actions=audit.ACTION_NAMES
    )
    return page, 400 if form.errors else 200


@bp.route("/audit.xlsx")
@roles_required(Role.MINISTRY, Role.ADMIN)
def audit_xlsx() -> Response:
    """The audit log as an Excel workbook (every matching entry)."""
    form = AuditFilterForm(request.args)
    where = _audit_filter(form)
    if form.errors:
        abort(400)
    entries = audit.entries(db(), where, limit=None)
    _audit_export("审计日志", len(entries))
    return _xlsx(export.audit_xlsx(entries), "审计日志.xlsx")


def _audit_export(what: str, rows: int) -> None:
    audit.log_export(db(), Actor.of(user(), address()), what, rows)


def _xlsx(data: bytes, name: str) -> Response:
    return send_file(io.BytesIO(data), mimetype=export.XLSX, as_attachment=True, download_name=name)
