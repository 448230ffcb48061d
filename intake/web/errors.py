"""Error pages in Chinese, without tracebacks, as HTML or (under /api/) JSON."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("请求无效", "提交的内容无法处理，请返回上一页重试。"),
    401: ("需要登录", "请先登录，或在请求中提供有效的 API 令牌。"),
    403: ("无权访问", "您的账户无权访问此页面。"),
    404: ("页面不存在", "找不到您要访问的页面或申请，请检查链接是否正确。"),
    405: ("请求方式不允许", "此页面不支持该请求方式。"),
    409: ("操作不允许", "申请当前的状态不允许此操作。"),
    422: ("内容不符合要求", "提交的内容不符合接口的要求，请检查后重新提交。"),
    413: ("文件过大", "上传的文件超过大小限制（{limit} MB），请压缩或拆分后重新上传。"),
    429: ("请求过于频繁", "请求次数过多，请稍后再试。"),
    500: ("服务器内部错误", "服务器处理请求时出错，请稍后重试；如问题持续，请联系管理员。"),
}


def init_app(app: Flask) -> None:
    """Answer every HTTP error (and any unexpected exception) with a Chinese page."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def describe(code: int) -> tuple[str, str]:
    """The Chinese title and explanation shown for an HTTP status."""
    from intake.web.database import settings

    title, text = MESSAGES.get(code, (f"错误 {code}", "请求无法完成。"))
    return title, text.format(limit=settings().max_upload_mb)


def _http_error(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    if code in (301, 302, 303, 307, 308):
        return error.get_response(), code  # type: ignore[return-value]
    title, text = describe(code)
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": code, "title": title, "message": text}}), code
    return render_template("errors/error.html", code=code, title=title, text=text), code


def _unexpected(error: Exception) -> tuple[Response | str, int]:
    from flask import current_app

    if isinstance(error, HTTPException):
        return _http_error(error)
    current_app.logger.exception("unhandled error", exc_info=error)
    return _http_error(InternalServerError())
