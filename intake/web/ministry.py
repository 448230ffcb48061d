"""The ministry: CCER project numbers used nationwide, their verification, audit log, exports."""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from intake.accounts.models import Role
from intake.forms.review import AuditFilterForm, ProjectFilterForm, VerifyForm
from intake.review import audit, decisions, export, queries
from intake.review.audit import Action, Actor, AuditFilter
from intake.review.decisions import ReviewError
from intake.review.queries import ProjectUsage
from intake.web.database import db
from intake.web.security import roles_required, user

bp = Blueprint("ministry", __name__, url_prefix="/ministry")

ATTENTION = {"unknown", "ineligible", "not_verified", "over_claimed", "several_entities",
             "both_years"}  # fmt: skip


def _matches(usage: ProjectUsage, flag: str, number: str) -> bool:
    if number and number not in usage.project_number:
        return False
    if flag == "attention":
        return bool(ATTENTION & set(usage.flags))
    if flag == "unverified":
        return usage.verification is None
    return not flag or flag in usage.flags


def _usages(form: ProjectFilterForm) -> list[ProjectUsage]:
    flag = (form.flag.data or "") if form.validate() else ""
    number = (form.number.data or "").strip()
    return [u for u in queries.project_usage(db()) if _matches(u, flag, number)]


@bp.route("/projects")
@roles_required(Role.MINISTRY)
def projects() -> str:
    """Every project number used in any application, against the catalogue and pending data."""
    form = ProjectFilterForm(request.args)
    return render_template(
        "ministry/projects.html",
        form=form,
        usages=_usages(form),
        verify_form=VerifyForm(),
        flag_names=export.FLAG_NAMES,
    )


@bp.route("/projects/<path:project_number>/verify", methods=["POST"])
@roles_required(Role.MINISTRY)
def verify(project_number: str) -> Response:
    """Record the ministry's finding on one project number."""
    form = VerifyForm()
    if not form.validate_on_submit():
        flash("请选择核验结果", "error")
    else:
        try:
            decisions.mark_project(
                db(), project_number, user(), verified=form.verified.data == "1",
                note=form.note.data or "", address=request.remote_addr or "",
            )  # fmt: skip
            flash(f"项目编号 {project_number} 的核验结果已保存", "info")
        except ReviewError as error:
            flash(str(error), "error")
    return redirect(url_for("ministry.projects", number=project_number))


@bp.route("/projects.xlsx")
@roles_required(Role.MINISTRY)
def projects_xlsx() -> Response:
    """The project list as an Excel workbook."""
    usages = _usages(ProjectFilterForm(request.args))
    _audit_export("项目编号", len(usages))
    return _xlsx(export.projects_xlsx(usages), "ccer-projects.xlsx")


def _audit_filter(form: AuditFilterForm) -> AuditFilter:
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
def audit_log() -> str:
    """The audit log, newest first."""
    form = AuditFilterForm(request.args)
    entries = audit.entries(db(), _audit_filter(form))
    return render_template(
        "ministry/audit.html", form=form, entries=entries, actions=export.ACTION_NAMES
    )


@bp.route("/audit.xlsx")
@roles_required(Role.MINISTRY, Role.ADMIN)
def audit_xlsx() -> Response:
    """The audit log as an Excel workbook (every matching entry)."""
    entries = audit.entries(db(), _audit_filter(AuditFilterForm(request.args)), limit=None)
    _audit_export("审计日志", len(entries))
    return _xlsx(export.audit_xlsx(entries), "audit-log.xlsx")


def _audit_export(what: str, rows: int) -> None:
    session = db()
    audit.record(
        session, Actor.of(user(), request.remote_addr), Action.EXPORT, target=what,
        details={"rows": rows},
    )  # fmt: skip
    session.commit()


def _xlsx(data: bytes, name: str) -> Response:
    return send_file(io.BytesIO(data), mimetype=export.XLSX, as_attachment=True, download_name=name)
