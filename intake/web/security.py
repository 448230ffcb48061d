"""Login (Flask-Login), CSRF (Flask-WTF) and the checks every view makes on who is asking."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, redirect, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from intake.accounts.models import Role, User
from intake.web.database import db

F = TypeVar("F", bound=Callable[..., Any])

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.login_message_category = "info"


def init_app(app: Flask) -> None:
    """Attach CSRF protection and the login manager to the app."""
    csrf.init_app(app)
    login_manager.init_app(app)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")


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
