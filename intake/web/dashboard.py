"""Dashboards: the province's and the ministry's figures, the national queue, queue exports.

The home page of province, ministry and admin users. Every figure links to the
list behind it; the lists export to Excel. Province users see their province
only (taken from their account, never from the request).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from intake import clock
from intake.accounts.models import Role
from intake.review import audit, export
from intake.review import dashboard_queries as q
from intake.review.audit import Actor
from intake.review.decisions.queries import decisions_of
from intake.review.registrations import queries as registration_queries
from intake.review.registrations.recall import CalendarUnavailable, recall_date
from intake.review.registrations.recall_notices import pending_holdings
from intake.review.submissions.models import Submission
from intake.values import PROVINCES
from intake.web import reporting
from intake.web.charts import Chart, bar_chart
from intake.web.database import db, settings
from intake.web.paging import page_number
from intake.web.security import address, roles_required, user

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

OVERSIGHT = (Role.MINISTRY, Role.ADMIN)


@functools.lru_cache(maxsize=8)
def official_recall_date(period_end: dt.date, working_days: int) -> dt.date | None:
    """The recall date on the official calendar (None when the calendar lacks the year)."""
    try:
        return recall_date(period_end, working_days)
    except CalendarUnavailable:
        return None


@bp.app_context_processor
def _calendar() -> dict[str, Any]:
    """The service's today, the deadline and the recall date, for every page."""
    config = settings()
    today = clock.today(config)
    recall = official_recall_date(config.compliance_period_end, config.recall_working_days)
    return {
        "service_today": today,
        "deadline": config.deadline,
        "days_to_deadline": (config.deadline - today).days,
        "recall_day": recall,
        "days_to_recall": (recall - today).days if recall is not None else None,
    }


@bp.app_template_filter()
def tonnes(value: Decimal | int | None) -> str:
    """A quantity in tonnes as users read it: thousands grouped, no trailing zeros; — for none."""
    if value is None:
        return "—"
    text = format(Decimal(value).normalize(), ",f")
    return text


@bp.route("/")
@roles_required(Role.PROVINCE, *OVERSIGHT)
def home() -> str:
    """The province's dashboard, or the national one for the ministry and admin."""
    session = db()
    if user().role == Role.PROVINCE:
        province = user().province or ""
        figure = q.figures(session, province)[province]
        return render_template(
            "dashboard/province.html",
            figure=figure,
            waiting=q.waiting_longest(session, province),
            state_chart=_state_chart(figure, lambda s: url_for("review.queue", state=s)),
        )
    by_province = q.figures(session)
    total = q.national_total(by_province)
    return render_template(
        "dashboard/ministry.html",
        by_province=by_province,
        total=total,
        waiting=q.waiting_longest(session, None, limit=8),
        to_verify=q.projects_to_verify(session),
        double_claims=q.double_claims(session),
        state_chart=_state_chart(total, lambda s: url_for("dashboard.queue", state=s)),
        tonnes_chart=_tonnes_chart(by_province),
    )


def _tonnes_chart(by_province: dict[str, q.ProvinceFigures]) -> Chart:
    items = [
        (name, f.requested_t["approved"] + f.requested_t["submitted"], _queue_of(name))
        for name, f in by_province.items()
        if f.total
    ]
    return bar_chart(items, unit="吨")


def _queue_of(province: str) -> str:
    return url_for("dashboard.queue", province=province)


def _state_chart(figure: q.ProvinceFigures, link: Any) -> Chart:
    labels = {"submitted": "待审核", "approved": "已通过", "rejected": "已驳回"}
    return bar_chart(
        [(labels[s], figure.counts[s], link(s)) for s in q.STATES], unit="件", integer=True
    )


@bp.route("/queue")
@roles_required(*OVERSIGHT)
def queue() -> str:
    """Every province's applications handed in, read-only, filtered by province and state."""
    province = _province_asked()
    state = request.args.get("state") or None
    if state is not None and state not in q.STATES:
        abort(404)
    page = q.national_queue(db(), province=province, state=state, page=page_number())
    return render_template(
        "dashboard/queue.html",
        page=page,
        rows=page.rows,
        province=province,
        state=state,
        provinces=sorted(q.figures(db())),
        page_url=lambda n: url_for("dashboard.queue", **_args(), page=n),
        export_url=url_for("dashboard.queue_xlsx", **_args()),
    )


def _province_asked() -> str | None:
    """The province the URL filters by (None: every one); 404 for a name no province has."""
    province = request.args.get("province") or None
    if province is not None and province not in PROVINCES:
        abort(404)
    return province


def _args() -> dict[str, Any]:
    return {k: v for k, v in request.args.items() if k in ("province", "state") and v}


@bp.route("/applications/<int:submission_id>")
@roles_required(*OVERSIGHT)
def application(submission_id: int) -> str:
    """One handed-in application, read only: its latest version's report and its decisions."""
    submission = db().get(Submission, submission_id)
    if submission is None or submission.state == "draft" or submission.latest is None:
        abort(404)
    version = submission.latest
    data = version.application_json
    report = reporting.visible(version.report, submission.uscc, user())
    return render_template(
        "dashboard/application.html",
        submission=submission,
        version=version,
        application=data,
        sections=reporting.sections(data, report.problems),
        errors=report.errors,
        warnings=report.warnings,
        foreign_uscc=False,
        for_reviewer=True,
        decisions=decisions_of(db(), submission.id),
        registration=registration_queries.registration_of(db(), submission.id),
    )


@bp.route("/pending")
@roles_required(Role.PROVINCE, *OVERSIGHT)
def pending() -> str:
    """The 待抵销 CCER held by the province's entities (any province for the ministry)."""
    if user().role == Role.PROVINCE:
        province: str | None = user().province or ""
    else:
        province = _province_asked()
    holdings = pending_holdings(db(), province)
    return render_template(
        "dashboard/pending.html",
        province=province,
        holdings=holdings,
        total=sum((h.total_t for h in holdings), Decimal(0)),
    )


@bp.route("/queue.xlsx")
@roles_required(Role.PROVINCE, *OVERSIGHT)
def queue_xlsx() -> Response:
    """The queue as an Excel workbook: the province's own, or any for the ministry and admin."""
    state = request.args.get("state") or None
    if user().role == Role.PROVINCE:
        province: str | None = user().province or ""
    else:
        province = _province_asked()
    if state is not None and state not in q.STATES:
        abort(404)
    rows = q.queue_rows(db(), province=province, state=state)
    audit.log_export(
        db(), Actor.of(user(), address()), "审核队列", len(rows), province=province or "全国"
    )
    name = f"审核队列-{province or '全国'}-{clock.today(settings()).isoformat()}.xlsx"
    return send_file(
        io.BytesIO(export.queue_xlsx(rows)),
        mimetype=export.XLSX,
        as_attachment=True,
        download_name=name,
    )
