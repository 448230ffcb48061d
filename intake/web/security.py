"""Login (Flask-Login) over server-side login sessions, CSRF (Flask-WTF), the checks every
view makes on who is asking, security headers, the client address behind trusted proxies
and the upload size limit. Login throttling is in ``intake.web.throttle``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from intake.accounts.models import Role, User, utcnow
from intake.accounts.sessions import SessionPolicy, check_session, end_session, start_session
from intake.web.database import db, sessions, settings

F = TypeVar("F", bound=Callable[..., Any])

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.login_message_category = "info"


# No inline script or style anywhere: the pages load /static/*.js and *.css only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The cookie's name for the login session's key (see intake.accounts.sessions).
SESSION_KEY = "login_key"
MSG_SESSION_ENDED = "登录已失效，请重新登录"


def init_app(app: Flask) -> None:
    """Attach CSRF protection, the login manager, headers, the size limit and the proxy fix."""
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        # Each trusted proxy appends the address it saw; believe exactly that many entries.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.config.setdefault("CLOCK", utcnow)
    app.before_request(_refuse_oversized)  # before CSRF, which would read the body
    csrf.init_app(app)
    login_manager.init_app(app)
    # Flask's defaults hold these keys already (SameSite None), so setdefault would not do.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE"))
    app.before_request(_check_login)
    app.after_request(_security_headers)


def _refuse_oversized(*_args: Any) -> None:
    """413 for a body declared larger than the limit, before any view (or login check) runs."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is not None and request.content_length > limit:
        abort(413)


def _check_login() -> None:
    """Check the login session before any view runs, so that the check (which may commit
    in a session of its own) never waits on a view's unfinished writes."""
    if request.endpoint != "static":
        current_user._get_current_object()


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Pages and JSON carry registry and application data: never kept by a browser or proxy.
        response.headers["Cache-Control"] = "no-store"
    return response


def now() -> dt.datetime:
    """The current time (UTC) as the app sees it; a test freezes it with ``CLOCK``."""
    clock: Callable[[], dt.datetime] = current_app.config["CLOCK"]
    return clock()


def session_policy() -> SessionPolicy:
    """The configured idle time-out and absolute lifetime of login sessions."""
    config = settings()
    return SessionPolicy(
        idle=dt.timedelta(minutes=config.session_idle_minutes),
        lifetime=dt.timedelta(hours=config.session_lifetime_hours),
    )


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The user, only while the cookie's login session is live (checked on every request)."""
    if not user_id.isdigit():
        return None
    # A session of its own: the check may commit, and a view's work must not go with it.
    with sessions(current_app)() as own:
        live = check_session(own, int(user_id), session.get(SESSION_KEY, ""), now(),
                             session_policy())  # fmt: skip
    if not live:
        session.clear()
        flash(MSG_SESSION_ENDED, "info")
        return None
    return db().get(User, int(user_id))


def log_in(found: User) -> None:
    """Start a login session for the user in this browser (a fresh cookie: no fixation)."""
    session.clear()
    key = start_session(db(), found, now())
    db().commit()
    login_user(found)
    session[SESSION_KEY] = key


def log_out() -> None:
    """End this browser's login session, so that no copy of its cookie opens it again."""
    key = session.get(SESSION_KEY)
    if key:
        end_session(db(), key, now())
        db().commit()
    logout_user()
    session.clear()


def renew_session(found: User) -> None:
    """A new login session for this browser after the user's others were ended."""
    key = start_session(db(), found, now())
    db().commit()
    session[SESSION_KEY] = key


def user() -> User:
    """The logged-in user of the request (call only behind ``login_required``)."""
    return cast(User, current_user._get_current_object())


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Let only logged-in users with one of the roles in; others get the login page or 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path))
            if user().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def address() -> str:
    """The address the request came from, as the audit log keeps it."""
    return request.remote_addr or ""
