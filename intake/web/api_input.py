"""The API's input refused in Chinese: a validation error of the models becomes the
contract's error body (400 for a query string or a missing file, 422 for application JSON).

spectree validates each request against the models of ``api_models`` before the view
runs and hands the error to :func:`refuse_invalid`, which answers with one Chinese
sentence naming the field, in the shape of every other refusal of the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from flask import abort, current_app, jsonify, make_response, request
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from intake.web.api_models import CONTROL_ERROR, MOST, ApplicationInput, PageQuery, ReportQuery
from intake.web.errors import describe

# Far above 30 rows of 200-character fields: a body beyond it is refused unread (413).
MAX_JSON_BYTES = 1024 * 1024
QUERIES = (PageQuery.__name__, ReportQuery.__name__)

# Chinese explanation of each kind of violation; {field} names where it happened.
REASONS = {
    "too_long": "{field} 最多 {max_length} 行",
    "string_too_long": "{field} 不能超过 {max_length} 个字符",
    "literal_error": "{field} 的值不在允许的范围内",
    "enum": "{field} 的值不在允许的范围内",
    CONTROL_ERROR: "{field} 含有不可见的控制字符，请删除后重新提交",
    "extra_forbidden": "{parent} 含有接口未定义的字段 {name}",
    "greater_than_equal": "{field} 的值过小",
    "less_than_equal": "{field} 的值过大",
}
# Explained first: the row limit (before each row is read), then control characters.
FIRST = ("too_long", CONTROL_ERROR)
WHOLE = "申请内容"
NOT_AN_OBJECT = "请求内容应为申请 JSON 对象，或以 multipart/form-data 上传的文件"
NO_FILE_MESSAGE = "请以 multipart/form-data 上传文件，字段名为 file"


def refuse_invalid(
    _request: Any, _response: Any, error: Exception | None, _instance: Any, _adapter: Any
) -> None:
    """spectree's hook after request validation: a refused request gets its Chinese 400/422."""
    if not isinstance(error, ValidationError):
        return
    if error.title in QUERIES:
        refused(400, query_problem(error.errors()))
    if error.title == ApplicationInput.__name__:
        errors = error.errors()
        if any(not e["loc"] for e in errors):
            refused(400, NOT_AN_OBJECT)
        refused(422, application_problem(errors))
    refused(400, NO_FILE_MESSAGE)


def answer_checked(
    _request: Any, _response: Any, error: Exception | None, _instance: Any, _adapter: Any
) -> None:
    """spectree's hook after checking an answer against its model: one that does not match
    is logged and becomes the API's own 500, never pydantic's list of errors."""
    if isinstance(error, ValidationError):
        current_app.logger.error("API answer not matching %s: %s", error.title, error)
        refused(500, describe(500)[1])


def refuse_large_json() -> None:
    """Refuse (413) application JSON over MAX_JSON_BYTES before it is parsed."""
    if request.is_json and (request.content_length or 0) > MAX_JSON_BYTES:
        refused(413, f"申请内容超过 {MAX_JSON_BYTES // 1024} KB，请检查后重新提交")


def refused(status: int, message: str) -> NoReturn:
    """Answer ``status`` with the contract's error body and a Chinese ``message``."""
    body = {"error": {"status": status, "title": describe(status)[0], "message": message}}
    abort(make_response(jsonify(body), status))


def query_problem(errors: Sequence[ErrorDetails]) -> str:
    """Why a query string was refused: unknown parameters, else the first bad value."""
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        return f"未知的参数：{'、'.join(unknown)}"
    name = str(errors[0]["loc"][0])
    return f"参数 {name} 应为 1 至 {MOST[name]} 之间的整数"


def application_problem(errors: Sequence[ErrorDetails]) -> str:
    """The first reason, in Chinese, why application JSON was refused."""
    error = min(errors, key=_order)
    parts = _fields(error["loc"])
    context = error.get("ctx") or {}
    template = REASONS.get(error["type"])
    if template is None:
        template = "{field} 的类型不正确" if error["type"].endswith("_type") else "{field} 的值无效"
    return template.format(
        field=_path(parts) or WHOLE,
        parent=_path(parts[:-1]) or WHOLE,
        name=parts[-1] if parts else "",
        max_length=context.get("max_length", ""),
    )


def _order(error: ErrorDetails) -> tuple[int, int, str]:
    kind = FIRST.index(error["type"]) if error["type"] in FIRST else len(FIRST)
    parts = _fields(error["loc"])
    return (kind, len(parts), _path(parts))


def _fields(loc: tuple[int | str, ...]) -> list[int | str]:
    """The location without the names pydantic gives the members of a union
    (``declaration.year.constrained-int``)."""
    return [p for p in loc if isinstance(p, int) or not (p in ("int", "str") or "-" in p)]


def _path(parts: Sequence[int | str]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
