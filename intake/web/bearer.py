"""Who a JSON API request comes from: its ``Authorization: Bearer`` token, while the token is
neither expired nor revoked; otherwise 401 with a Chinese JSON message saying why."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, current_app, jsonify, request

from intake.accounts.models import User
from intake.accounts.operations import TokenState, check_token
from intake.web.database import db, sessions
from intake.web.errors import describe
from intake.web.security import now

MESSAGES = {
    TokenState.EXPIRED: "API 令牌已过期，请在“API 令牌”页面生成新令牌。",
    TokenState.REVOKED: "API 令牌已撤销，请在“API 令牌”页面生成新令牌。",
    TokenState.UNKNOWN: "API 令牌无效，请检查请求头 Authorization: Bearer 后的令牌。",
}


def bearer_user() -> User:
    """The user of the request's bearer token; aborts with 401 when there is none valid."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    if not token:
        refuse(None)
    # A session of its own: recording when the token was used commits, whatever the view does.
    with sessions(current_app)() as own:
        state, found = check_token(own, token, now())
        user_id = found.id if found is not None else None
        own.commit()
    holder = db().get(User, user_id) if user_id is not None else None
    if holder is None:
        refuse(state)
    return holder


def refuse(state: TokenState | None) -> NoReturn:
    """401 in the API's error shape; ``state`` says what was wrong with the token, if any."""
    title, text = describe(401)
    if state is not None:
        text = MESSAGES.get(state, text)
    response = jsonify({"error": {"status": 401, "title": title, "message": text}})
    response.status_code = 401
    challenge = 'Bearer error="invalid_token"' if state is not None else "Bearer"
    response.headers["WWW-Authenticate"] = challenge
    abort(response)
