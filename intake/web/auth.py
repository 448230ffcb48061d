"""Logging in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from intake.accounts.operations import authenticate
from intake.forms.auth import LoginForm
from intake.web.database import db
from intake.web.security import login_throttle

MSG_THROTTLED = "登录失败次数过多，请 {minutes} 分钟后再试"

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int, dict[str, str]]:
    """The login page; on success, back to where the user was going.

    After too many failures for one username from one address, 429 until the window ends.
    """
    form = LoginForm()
    if form.validate_on_submit():
        key = f"{(form.username.data or '').strip().lower()}|{request.remote_addr}"
        if login_throttle().blocked(key):
            return _throttled(form)
        user = authenticate(db(), form.username.data or "", form.password.data or "")
        if user is not None:
            login_throttle().reset(key)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        login_throttle().failed(key)
        flash("用户名或密码不正确", "error")
    return render_template("auth/login.html", form=form)


def _throttled(form: LoginForm) -> tuple[str, int, dict[str, str]]:
    window = int(current_app.config["LOGIN_WINDOW_S"])
    flash(MSG_THROTTLED.format(minutes=max(1, window // 60)), "error")
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(window)}


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Log out (a POST, so that the CSRF token protects it)."""
    logout_user()
    flash("您已退出登录", "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only a path on this site, never another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("enterprise.home")
