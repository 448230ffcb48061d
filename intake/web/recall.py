"""The forced recall (第六步) in the web: the date, the lots it takes back, a confirmed run.

The ministry and admin only. The run is refused before the recall date on the
official calendar, as the service's clock reckons today.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from intake import clock
from intake.accounts.models import Role
from intake.forms.recall import RecallForm
from intake.review import notify
from intake.review.audit import Actor
from intake.review.registrations.recall import CalendarUnavailable, recall_date
from intake.review.registrations.recall_notices import pending_holdings, recall_and_notify
from intake.web.database import db, settings
from intake.web.security import roles_required, user

bp = Blueprint("recall", __name__, url_prefix="/recall")


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.MINISTRY, Role.ADMIN)
def index() -> str | Response:
    """The recall date and what a run would take back; POST (confirmed) runs it."""
    config = settings()
    today = clock.today(config)
    try:
        due = recall_date(config.compliance_period_end, config.recall_working_days)
    except CalendarUnavailable as error:
        flash(str(error), "error")
        return redirect(url_for("dashboard.home"))
    form = RecallForm()
    if request.method == "POST" and form.validate_on_submit():
        if today < due:
            flash(f"召回日为 {due.isoformat()}，尚未到期，不能执行召回", "error")
        else:
            result, notices = recall_and_notify(
                db(), as_of=today, period_end=config.compliance_period_end,
                working_days=config.recall_working_days,
                actor=Actor.of(user(), request.remote_addr),
            )  # fmt: skip
            for notice in notices:
                notify.deliver(db(), config, notice)
            flash(
                f"已召回 {result.recalled_lots} 个批次、{format(result.recalled_t, 'f')} 吨，"
                f"已通知 {len(notices)} 家单位",
                "info",
            )
            return redirect(url_for("recall.index"))
    holdings = pending_holdings(db())
    return render_template(
        "recall/index.html",
        form=form,
        due=due,
        today=today,
        period_end=config.compliance_period_end,
        holdings=holdings,
        lots=sum(len(h.lots) for h in holdings),
        total=sum((h.total_t for h in holdings), Decimal(0)),
    )
