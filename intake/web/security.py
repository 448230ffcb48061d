"""Login (Flask-Login), CSRF (Flask-WTF), the checks every view makes on who is asking,
security headers, the upload size limit and login throttling."""

from __future__ import annotations

import importlib
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar, cast

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from intake.accounts.models import Role, User
from intake.web.database import db

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
LOGIN_MAX_FAILURES = 10
LOGIN_WINDOW_S = 15 * 60


def init_app(app: Flask) -> None:
    """Attach CSRF protection, the login manager, headers, the size limit and the throttle."""
    app.before_request(_refuse_oversized)  # before CSRF, which would read the body
    csrf.init_app(app)
    login_manager.init_app(app)
    # Flask's defaults hold these keys already (SameSite None), so setdefault would not do.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE"))
    app.config.setdefault("LOGIN_MAX_FAILURES", LOGIN_MAX_FAILURES)
    app.config.setdefault("LOGIN_WINDOW_S", LOGIN_WINDOW_S)
    app.after_request(_security_headers)
    app.extensions["intake.login_throttle"] = _throttle_for(app)


def _refuse_oversized(*_args: Any) -> None:
    """413 for a body declared larger than the limit, before any view (or login check) runs."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is not None and request.content_length > limit:
        abort(413)


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db().get(User, int(user_id))


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


# ---------------------------------------------------------------- login throttling


class LoginThrottle(Protocol):
    """Counts failed logins per key (username and address) over a sliding window."""

    def blocked(self, key: str) -> bool:
        """True when the key has used up its failures in the window."""
        ...

    def failed(self, key: str) -> None:
        """Count one failure of the key."""
        ...

    def reset(self, key: str) -> None:
        """Forget the key's failures (after a successful login)."""
        ...


class MemoryThrottle:
    """Failures kept in this process (enough for one process; use Redis for several)."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        """True when the key has ``limit`` failures within the window."""
        with self.lock:
            return len(self._recent(key)) >= self.limit

    def failed(self, key: str) -> None:
        """Count one failure now."""
        with self.lock:
            self._recent(key).append(self.clock())

    def reset(self, key: str) -> None:
        """Forget the key."""
        with self.lock:
            self.failures.pop(key, None)

    def _recent(self, key: str) -> deque[float]:
        times = self.failures.setdefault(key, deque())
        while times and times[0] <= self.clock() - self.window_s:
            times.popleft()
        return times


class RedisThrottle:
    """Failures counted in Redis, shared by every web process (a fixed window per key)."""

    def __init__(self, url: str, limit: int, window_s: int, prefix: str = "intake:login:") -> None:
        redis = importlib.import_module("redis")
        self.client = redis.Redis.from_url(url)
        self.limit, self.window_s, self.prefix = limit, window_s, prefix

    def blocked(self, key: str) -> bool:
        """True when the key has ``limit`` failures in its window."""
        return int(self.client.get(self.prefix + key) or 0) >= self.limit

    def failed(self, key: str) -> None:
        """Count one failure; the window starts with the first."""
        with self.client.pipeline() as pipe:
            pipe.incr(self.prefix + key)
            pipe.expire(self.prefix + key, self.window_s, nx=True)
            pipe.execute()

    def reset(self, key: str) -> None:
        """Forget the key."""
        self.client.delete(self.prefix + key)


def _throttle_for(app: Flask) -> LoginThrottle:
    limit, window = int(app.config["LOGIN_MAX_FAILURES"]), int(app.config["LOGIN_WINDOW_S"])
    url = app.config["INTAKE_SETTINGS"].redis_url
    if url:
        return RedisThrottle(url, limit, window)
    return MemoryThrottle(limit, window)


def login_throttle(app: Flask | None = None) -> LoginThrottle:
    """The app's login throttle."""
    value: LoginThrottle = (app or current_app).extensions["intake.login_throttle"]
    return value


def address() -> str:
    """The address the request came from, as the audit log keeps it."""
    return request.remote_addr or ""
