"""Throttling of password guesses with Flask-Limiter (Redis when configured, else memory).

Only failures count, in three ways, so that guessing is slowed while no stranger can
lock a user out:

- per user name *from one address* (10 in 15 minutes): a guesser locks out only himself;
- per address, whatever the user names (30 in 15 minutes): one password sprayed over
  many accounts;
- per user name from every address (100 in 5 minutes: large and short): guessing from
  many addresses at once. It is enforced only on clients that have themselves failed on
  that name, so the right password from a client that has not failed still logs in.
  (Flask-Limiter's ``exempt_when`` would also stop the counting for the others, so this
  one is counted and tested by hand, on the same limiter and storage.)

A wrong current password on the password page counts per user (10 in 15 minutes). The
client address is ``request.remote_addr``: behind ``INTAKE_TRUSTED_PROXIES`` proxies it is
what the last of them saw (see ``intake.web.security``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, current_app, flash, g, render_template, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user
from limits import RateLimitItem, parse
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from intake.web.database import settings

MSG_THROTTLED = "登录失败次数过多，请 {minutes} 分钟后再试"
MSG_PASSWORD_THROTTLED = "当前密码错误次数过多，请 {minutes} 分钟后再试"

# Overridable in the app's configuration (a test lowers them).
DEFAULTS: dict[str, int] = {
    "LOGIN_MAX_FAILURES": 10,  # per user name from one address
    "LOGIN_WINDOW_S": 15 * 60,  # ... and per address, per user on the password page
    "LOGIN_ADDRESS_MAX_FAILURES": 30,  # per address
    "LOGIN_USER_MAX_FAILURES": 100,  # per user name, all addresses
    "LOGIN_USER_WINDOW_S": 5 * 60,
}
SCOPE_NAME_ADDRESS = "login-name-address"
SCOPE_NAME = "login-name"
FAILED = "intake_throttle_failed"


def init_app(app: Flask) -> None:
    """Give the app its own limiter and wrap the login and password views with the limits."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings(app).redis_url or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "intake-throttle")
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    limiter = Limiter(key_func=client_address)
    limiter.init_app(app)
    app.extensions["intake.limiter"] = limiter
    config = app.config
    per_name = per(config["LOGIN_MAX_FAILURES"], config["LOGIN_WINDOW_S"])
    login_limits = [
        limiter.shared_limit(per_name, SCOPE_NAME_ADDRESS, key_func=name_and_address,
                             methods=["POST"], deduct_when=failed),
        limiter.limit(per(config["LOGIN_ADDRESS_MAX_FAILURES"], config["LOGIN_WINDOW_S"]),
                      key_func=client_address, methods=["POST"], deduct_when=failed),
    ]  # fmt: skip
    _wrap(app, "auth.login", login_limits)
    password_limit = limiter.limit(per_name, key_func=user_key, methods=["POST"],
                                   deduct_when=failed)  # fmt: skip
    _wrap(app, "account.password", [password_limit])
    app.register_error_handler(RateLimitExceeded, _throttled)
    app.register_error_handler(Throttled, _throttled)


def _wrap(app: Flask, endpoint: str, limits: Sequence[Callable[[Any], Any]]) -> None:
    view = app.view_functions[endpoint]
    for limit in limits:
        view = limit(view)
    app.view_functions[endpoint] = view


def per(amount: int, seconds: int) -> str:
    """A limit string: ``amount`` in ``seconds``."""
    return f"{int(amount)} per {int(seconds)} seconds"


def limiter(app: Flask | None = None) -> Limiter:
    """The app's limiter."""
    value: Limiter = (app or current_app).extensions["intake.limiter"]
    return value


# ---------------------------------------------------------------- keys


def client_address() -> str:
    """The client's address (behind trusted proxies, the one the last of them saw)."""
    return request.remote_addr or "-"


def login_name() -> str:
    """The user name being tried, as the throttle counts it (case and spaces ignored)."""
    return (request.form.get("username") or "").strip().lower()[:80] or "-"


def name_and_address() -> str:
    """The user name being tried, from this address."""
    return f"{login_name()}|{client_address()}"


def user_key() -> str:
    """The logged-in user (the password page)."""
    return f"user:{current_user.get_id()}"


# ---------------------------------------------------------------- failures


class Throttled(TooManyRequests):
    """Too many failures on one user name from everywhere (the limit counted by hand)."""

    def __init__(self, wait_s: float) -> None:
        super().__init__()
        self.wait_s = wait_s


def record_failure() -> None:
    """Count this request as a failure against its limits (called by the view)."""
    g.setdefault(FAILED, True)


def record_login_failure() -> None:
    """A failed login: counted by the route's limits and against the user name everywhere."""
    record_failure()
    item, args = _item("LOGIN_USER_MAX_FAILURES", "LOGIN_USER_WINDOW_S", login_name(), SCOPE_NAME)
    limiter().limiter.hit(item, *args)


def check_user_name() -> None:
    """Raise Throttled when the user name has failed too often from everywhere and this
    client has failed on it too; a client that has not failed goes on."""
    item, args = _item("LOGIN_USER_MAX_FAILURES", "LOGIN_USER_WINDOW_S", login_name(), SCOPE_NAME)
    if limiter().limiter.test(item, *args) or not _failed_here():
        return
    raise Throttled(limiter().limiter.get_window_stats(item, *args).reset_time - time.time())


def forget_failures() -> None:
    """After a successful login: this address's failures on this user name are forgotten."""
    item, args = _name_address()
    limiter().limiter.clear(item, *args)


def failed(_response: Response) -> bool:
    """True when the view recorded a failure (Flask-Limiter then deducts)."""
    return bool(g.get(FAILED, False))


def _item(amount: str, window: str, key: str, scope: str) -> tuple[RateLimitItem, list[str]]:
    """A limit of the configuration and its identifiers, spelled as Flask-Limiter spells them
    (prefix, key, scope), so that its shared limits can be read here too."""
    config = current_app.config
    prefix = config["RATELIMIT_KEY_PREFIX"]
    return parse(per(config[amount], config[window])), [p for p in (prefix, key, scope) if p]


def _name_address() -> tuple[RateLimitItem, list[str]]:
    return _item("LOGIN_MAX_FAILURES", "LOGIN_WINDOW_S", name_and_address(), SCOPE_NAME_ADDRESS)


def _failed_here() -> bool:
    """True when this address has failed on this user name within the window."""
    item, args = _name_address()
    return limiter().limiter.get_window_stats(item, *args).remaining < item.amount


def _throttled(error: RateLimitExceeded | Throttled) -> tuple[str, int, dict[str, str]]:
    """429 in Chinese, with how long to wait."""
    from intake.forms.auth import LoginForm

    wait = float(current_app.config["LOGIN_WINDOW_S"])
    current = limiter().current_limit
    if isinstance(error, Throttled):
        wait = error.wait_s
    elif current is not None:
        wait = current.window.reset_time - time.time()
    seconds = max(1, math.ceil(wait))
    minutes = max(1, math.ceil(seconds / 60))
    headers = {"Retry-After": str(seconds)}
    if request.endpoint == "auth.login":
        flash(MSG_THROTTLED.format(minutes=minutes), "error")
        return render_template("auth/login.html", form=LoginForm()), 429, headers
    text = MSG_PASSWORD_THROTTLED.format(minutes=minutes)
    page = render_template("errors/error.html", code=429, title="尝试次数过多", text=text)
    return page, 429, headers
