"""A user's own account: the password (every role) and API tokens (enterprise users, whose
accounts the API serves)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from intake.accounts.models import Role
from intake.accounts.operations import (
    TOKEN_STATE_LABELS,
    AccountError,
    change_password,
    issue_token,
    password_matches,
    revoke_token,
    tokens_of,
)
from intake.forms.account import PasswordChangeForm, TokenForm
from intake.web import throttle
from intake.web.database import db, settings
from intake.web.security import now, renew_session, roles_required, user

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/password", methods=["GET", "POST"])
@roles_required(*Role)
def password() -> str | Response:
    """Change the password; every other login session of the user ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        me = user()
        current, new = form.current.data or "", form.new.data or ""
        if not password_matches(me, current):
            throttle.record_failure()
            form.current.errors = ["当前密码不正确"]
        elif new == current:
            form.new.errors = ["新密码不能与当前密码相同"]
        else:
            change_password(db(), me, new, now())
            db().commit()
            renew_session(me)
            flash("密码已修改；其他设备上的登录已全部失效", "info")
            return redirect(url_for("account.password"))
    return render_template("account/password.html", form=form)


@bp.route("/tokens", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def tokens() -> str:
    """The user's API tokens; a new one is shown once, on the page that creates it."""
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        try:
            created = issue_token(user(), days=int(form.days.data or 0),
                                  label=form.label.data or "", now=now(),
                                  max_days=settings().api_token_max_days)  # fmt: skip
        except AccountError as error:
            form.days.errors = [str(error)]
        else:
            db().commit()
            form = TokenForm(formdata=None)
    return render_template(
        "account/tokens.html", form=form, created=created, tokens=tokens_of(db(), user()),
        now=now(), states=TOKEN_STATE_LABELS,
    )  # fmt: skip


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required(Role.ENTERPRISE)
def revoke(token_id: int) -> Response:
    """Revoke one of the user's tokens at once."""
    found = revoke_token(db(), token_id, owner=user(), now=now())
    if found is None:
        abort(404)
    db().commit()
    flash(f"令牌 {found.label or found.prefix or found.id} 已撤销", "info")
    return redirect(url_for("account.tokens"))
