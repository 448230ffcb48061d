"""第五步: offset registrations and cancellations; the enterprise's decisions, notices and submit.

An enterprise sees its own entity's registrations, a province its region's, the
ministry every one; what each sees is decided by the logged-in user, never by
the request.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from intake.accounts.models import Role
from intake.forms.review import ActionForm, RegistrationFilterForm
from intake.review import audit, export, notify
from intake.review.audit import Actor
from intake.review.decisions import operations as decisions
from intake.review.decisions.queries import decisions_of
from intake.review.errors import ReviewError
from intake.review.registrations import queries as registration_queries
from intake.review.registrations.models import Registration
from intake.web.database import db
from intake.web.enterprise.access import own_submission
from intake.web.paging import page_number
from intake.web.security import address, roles_required, user

bp = Blueprint("registrations", __name__, url_prefix="/registrations")

READERS = (Role.ENTERPRISE, Role.PROVINCE, Role.MINISTRY, Role.ADMIN)


def _scope(form: RegistrationFilterForm) -> dict[str, Any]:
    """Whose registrations the viewer may see, narrowed by the filters it may choose."""
    viewer = user()
    year = form.year_value if form.validate() else None
    if viewer.role == Role.ENTERPRISE:
        return {"uscc": viewer.uscc or "", "year": year}
    if viewer.role == Role.PROVINCE:
        return {"province": viewer.province or "", "year": year}
    return {"province": form.province.data or None, "year": year}


def _registrations(form: RegistrationFilterForm) -> list[Registration]:
    """Every registration the viewer may see under the filters (the export)."""
    return registration_queries.registrations(db(), **_scope(form))


@bp.route("/")
@roles_required(*READERS)
def index() -> str:
    """Registrations with their cancellations, a page at a time (an enterprise: also its lots)."""
    form = RegistrationFilterForm(request.args)
    viewer = user()
    lots = (
        registration_queries.entity_lots(db(), viewer.uscc or "")
        if viewer.role == Role.ENTERPRISE
        else []
    )
    page = registration_queries.registrations_page(db(), **_scope(form), page=page_number())
    return render_template(
        "registrations/index.html",
        form=form,
        page=page,
        registrations=page.registrations,
        lots=lots,
        page_url=_page_url,
        export_args=_filter_args(),
    )


def _filter_args() -> dict[str, Any]:
    """The request's filters, without the page."""
    return {key: value for key, value in request.args.items() if key != "page"}


def _page_url(number: int) -> str:
    """The registrations' URL with the same filters, at another page."""
    return url_for("registrations.index", **_filter_args(), page=number)


@bp.route("/export.xlsx")
@roles_required(*READERS)
def export_xlsx() -> Response:
    """The same registrations as an Excel workbook."""
    form = RegistrationFilterForm(request.args)
    rows = _registrations(form)
    audit.log_export(db(), Actor.of(user(), address()), "抵销登记", len(rows))
    return _xlsx(export.registrations_xlsx(rows), "抵销登记.xlsx")


def _xlsx(data: bytes, name: str) -> Response:
    return send_file(io.BytesIO(data), mimetype=export.XLSX, as_attachment=True, download_name=name)


@bp.route("/applications/<int:submission_id>")
@roles_required(Role.ENTERPRISE)
def decisions_page(submission_id: int) -> str:
    """The enterprise's view of review: state, every decision with every reason, submit."""
    submission = own_submission(submission_id)
    return render_template(
        "registrations/application.html",
        submission=submission,
        decisions=decisions_of(db(), submission.id),
        registration=registration_queries.registration_of(db(), submission.id),
        form=ActionForm(),
    )


@bp.route("/applications/<int:submission_id>/submit", methods=["POST"])
@roles_required(Role.ENTERPRISE)
def submit(submission_id: int) -> Response:
    """Hand the latest version in for review (also a corrected version after a rejection)."""
    submission = own_submission(submission_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        decisions.submit(db(), submission, user(), address())
        flash("申请已提交，等待省级主管部门审核", "info")
    except ReviewError as error:
        flash(str(error), "error")
    return redirect(url_for("registrations.decisions_page", submission_id=submission_id))


@bp.route("/applications/<int:submission_id>/withdraw", methods=["POST"])
@roles_required(Role.ENTERPRISE)
def withdraw(submission_id: int) -> Response:
    """Take a submitted application back before the decision."""
    submission = own_submission(submission_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        decisions.withdraw(db(), submission, user(), address())
        flash("申请已撤回。修改后形成新版本，可再次提交审核", "info")
    except ReviewError as error:
        flash(str(error), "error")
    return redirect(url_for("registrations.decisions_page", submission_id=submission_id))


@bp.route("/applications/<int:submission_id>/discard", methods=["POST"])
@roles_required(Role.ENTERPRISE)
def discard(submission_id: int) -> Response:
    """Delete a draft that was never submitted (it is hidden; the log keeps it)."""
    submission = own_submission(submission_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        decisions.discard(db(), submission, user(), address())
    except ReviewError as error:
        flash(str(error), "error")
        return redirect(url_for("registrations.decisions_page", submission_id=submission_id))
    flash(f"申请 {submission_id} 已删除", "info")
    return redirect(url_for("enterprise.home"))


@bp.route("/notices")
@roles_required(Role.ENTERPRISE)
def notices() -> str:
    """Every notice of the entity, newest first."""
    return render_template(
        "registrations/notices.html",
        notices=notify.notices_for(db(), user().uscc or ""),
        form=ActionForm(),
    )


@bp.route("/notices/<int:notice_id>/read", methods=["POST"])
@roles_required(Role.ENTERPRISE)
def read_notice(notice_id: int) -> Response:
    """Mark one of the entity's notices read."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if not notify.mark_read(db(), user().uscc or "", notice_id):
        abort(404)
    back = "enterprise.home" if request.form.get("back") == "home" else "registrations.notices"
    return redirect(url_for(back))
