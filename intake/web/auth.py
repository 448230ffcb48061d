"""Logging in and out (throttled by ``intake.web.throttle``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from intake.accounts.operations import authenticate
from intake.forms.auth import LoginForm
from intake.web import throttle
from intake.web.database import db
from intake.web.security import log_in, log_out

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """The login page; on success, a new login session and back to where the user was going."""
    form = LoginForm()
    if form.validate_on_submit():
        throttle.check_user_name()
        user = authenticate(db(), form.username.data or "", form.password.data or "")
        if user is not None:
            throttle.forget_failures()
            log_in(user)
            return redirect(_safe_next(request.args.get("next")))
        throttle.record_login_failure()
        flash("用户名或密码不正确", "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Log out, ending the login session on the server (a POST, so that CSRF protects it)."""
    log_out()
    flash("您已退出登录", "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only a path on this site, never another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("enterprise.home")
