"""The JSON API under /api/v1/: check a file, create and read applications, get reports.

Every call but the OpenAPI document needs ``Authorization: Bearer <token>``; the API
uses no cookies, so it is exempt from CSRF. Responses use the contract's JSON.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

from flask import Blueprint, abort, g, jsonify, make_response, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from intake.accounts.models import Role, User
from intake.application import Application
from intake.checking import parse_report
from intake.forms.dates import MAX_ID
from intake.review import decisions, operations
from intake.review.models import CheckState, Submission, SubmissionState, Version
from intake.review.registration import ReviewError
from intake.sandbox import Limits
from intake.web.api_input import IGNORED, MAX_JSON_BYTES, application_problem
from intake.web.bearer import bearer_user
from intake.web.database import db, settings, storage
from intake.web.enterprise.access import checker
from intake.web.errors import describe
from intake.web.jobs import runner
from intake.web.openapi import MAX_PAGE_SIZE, openapi_document
from intake.web.paging import MAX_PAGE
from intake.web.reporting import visible_report
from intake.web.security import address, csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

F = TypeVar("F")
T = TypeVar("T")


def token_required(view: F) -> F:
    """Let in only requests with a valid bearer token of an enterprise user (401 / 403)."""

    @wraps(view)  # type: ignore[arg-type]
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        found = bearer_user()  # 401 with the reason when the token is missing, expired or revoked
        if found.role != Role.ENTERPRISE:
            abort(403)
        g.api_user = found
        return view(*args, **kwargs)  # type: ignore[operator]

    return cast(F, wrapped)


def api_user() -> User:
    """The user the request's token belongs to."""
    found: User = g.api_user
    return found


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document(url_for("api.openapi")))  # relative: no Host header echoed


@bp.post("/check")
@token_required
def check() -> Response:
    """Check one uploaded file against the registry and return its report (nothing is kept)."""
    upload = _file()
    config = settings()
    with tempfile.TemporaryDirectory(prefix="intake-api-") as work:
        path = Path(work) / "upload"
        upload.save(path)
        report = parse_report(
            path,
            name=upload.filename or "upload",
            limits=Limits(config.parse_timeout_s, config.parse_memory_mb),
        )
    if report.application is not None:
        report = checker().check(
            report.application, file=report.file, applicant_uscc=api_user().uscc
        )
    return jsonify(visible_report(report.to_json(), api_user()))


@bp.get("/applications")
@token_required
def list_applications() -> Response:
    """The user's entity's applications (not those deleted), ``per_page`` (at most 100) a
    page; ``next`` links the following page while there is one."""
    _only_args("page", "per_page")
    page = _bounded_arg("page", 1, MAX_PAGE)
    per_page = _bounded_arg("per_page", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    submissions = (
        db()
        .scalars(
            select(Submission)
            .where(
                Submission.uscc == api_user().uscc,
                Submission.state != SubmissionState.DISCARDED.value,
            )
            .order_by(Submission.id)
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
        .all()
    )
    body: dict[str, Any] = {"applications": [_summary(s) for s in submissions[:per_page]]}
    if len(submissions) > per_page:
        body["next"] = url_for("api.list_applications", page=page + 1, per_page=per_page)
    return jsonify(body)


def _only_args(*names: str) -> None:
    """Refuse (400) a query parameter the route does not know, rather than ignore a typo."""
    unknown = sorted(set(request.args) - set(names))
    if unknown:
        _refused(400, f"未知的参数：{'、'.join(unknown)}")


def _bounded_arg(name: str, default: int, most: int) -> int:
    """A whole-number query parameter between 1 and ``most``; anything else is 400."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if (
        not (raw.isascii() and raw.isdigit())
        or len(raw) > len(str(most))
        or not (1 <= int(raw) <= most)
    ):
        _refused(400, f"参数 {name} 应为 1 至 {most} 之间的整数")
    return int(raw)


@bp.post("/applications")
@token_required
def create_application() -> tuple[Response, int]:
    """A new application: a multipart ``file`` (checked in the background) or application JSON."""
    return _new_version(None)


@bp.post("/applications/<int:submission_id>/versions")
@token_required
def add_version(submission_id: int) -> tuple[Response, int]:
    """A new version of an application, as a file or as application JSON."""
    return _new_version(_own(submission_id))


@bp.post("/applications/<int:submission_id>/copy")
@token_required
def attach_copy(submission_id: int) -> tuple[Response, int]:
    """The stamped copy of an application typed online (multipart ``file``), checked later."""
    upload = _file()
    version = _refused_as_409(
        operations.attach_copy, db(), storage(), _own(submission_id), user=api_user(),
        data=upload.read(), filename=upload.filename or "copy", address=address(),
    )  # fmt: skip
    runner().submit(version.id)
    db().refresh(version)
    return jsonify(_version_json(version)), 202


@bp.post("/applications/<int:submission_id>/submit")
@token_required
def submit(submission_id: int) -> Response:
    """Hand the latest version in for review."""
    _refused_as_409(decisions.submit, db(), _own(submission_id), api_user(), address())
    return jsonify(_summary(_own(submission_id)))


@bp.post("/applications/<int:submission_id>/withdraw")
@token_required
def withdraw(submission_id: int) -> Response:
    """Take a submitted application back before the decision."""
    _refused_as_409(decisions.withdraw, db(), _own(submission_id), api_user(), address())
    return jsonify(_summary(_own(submission_id)))


@bp.delete("/applications/<int:submission_id>")
@token_required
def discard(submission_id: int) -> tuple[str, int]:
    """Delete a draft that was never submitted."""
    _refused_as_409(decisions.discard, db(), _own(submission_id), api_user(), address())
    return "", 204


@bp.get("/applications/<int:submission_id>")
@token_required
def read_application(submission_id: int) -> Response:
    """One application: state, versions, and the latest version's application JSON."""
    return jsonify(_summary(_own(submission_id), with_application=True))


@bp.get("/applications/<int:submission_id>/report")
@token_required
def report(submission_id: int) -> tuple[Response, int]:
    """The report of the latest version (or ``?version=N``); 202 while the check runs."""
    _only_args("version")
    version = _version(_own(submission_id))
    if version.check_state in (CheckState.PENDING.value, CheckState.RUNNING.value):
        return jsonify({"state": version.check_state}), 202
    if version.report_json is None:
        return jsonify({"state": version.check_state, "error": version.check_error}), 500
    return jsonify(visible_report(version.report_json, api_user())), 200


def _new_version(submission: Submission | None) -> tuple[Response, int]:
    user = api_user()
    if request.files:
        upload = _file()
        data = upload.read()
        name = upload.filename or "upload"
        if submission is None:
            version = _refused_as_409(
                operations.create_from_upload, db(), storage(), user=user, data=data,
                filename=name, address=address(),
            )  # fmt: skip
        else:
            version = _refused_as_409(
                operations.add_version, db(), submission, user=user, storage=storage(),
                data=data, filename=name, address=address(),
            )  # fmt: skip
        runner().submit(version.id)
        db().refresh(version)
        return jsonify(_version_json(version)), 202 if version.report_json is None else 201
    report = _checked_json(submission)
    if submission is None:
        version = _refused_as_409(
            operations.create_from_form, db(), user=user, report=report, address=address()
        )
    else:
        version = _refused_as_409(
            operations.add_version, db(), submission, user=user, report=report,
            address=address(),
        )  # fmt: skip
    return jsonify(_version_json(version)), 201


def _refused_as_409(operation: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one operation; a refusal (ReviewError) answers 409 with its Chinese reason."""
    try:
        return operation(*args, **kwargs)
    except ReviewError as error:
        db().rollback()
        _refused(409, str(error))


def _refused(status: int, message: str) -> NoReturn:
    """Answer ``status`` with the contract's error body and a Chinese ``message``."""
    body = {"error": {"status": status, "title": describe(status)[0], "message": message}}
    abort(make_response(jsonify(body), status))


def _checked_json(submission: Submission | None) -> Any:
    if (request.content_length or 0) > MAX_JSON_BYTES:
        _refused(413, f"申请内容超过 {MAX_JSON_BYTES // 1024} KB，请检查后重新提交")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    problem = application_problem(data)
    if problem is not None:
        _refused(422, problem)
    data = {key: value for key, value in data.items() if key not in IGNORED}
    try:
        application = Application.from_json(data)
    except (TypeError, ValueError, AttributeError, KeyError):
        abort(400)
    application.source_kind = "web"
    application.sources = {}
    return checker().check(
        application, file=None,
        exclude_submission=submission.id if submission is not None else None,
        applicant_uscc=api_user().uscc,
        application_year=submission.year if submission is not None else None,
    )  # fmt: skip


def _file() -> FileStorage:
    upload = request.files.get("file")
    if upload is None:
        abort(400)
    return upload


def _own(submission_id: int) -> Submission:
    submission = db().get(Submission, submission_id)
    if submission is None or submission.uscc != api_user().uscc:
        abort(404)
    return submission


def _version(submission: Submission) -> Version:
    """The version ``?version=N`` names, or the latest."""
    if request.args.get("version") is None:
        if submission.latest is None:
            abort(404)
        return submission.latest
    number = _bounded_arg("version", 1, MAX_ID)
    for version in submission.versions:
        if version.number == number:
            return version
    abort(404)


def _version_json(version: Version) -> dict[str, Any]:
    out: dict[str, Any] = {
        "application_id": version.submission_id,
        "version": version.number,
        "state": version.check_state,
        "file": version.original_filename,
        "created_at": _aware(version.created_at).isoformat(),
        "report_url": url_for("api.report", submission_id=version.submission_id,
                              version=version.number),
    }  # fmt: skip
    if version.report_json is not None:
        out["report"] = visible_report(version.report_json, api_user())
    return out


def _aware(moment: dt.datetime) -> dt.datetime:
    """A stored time stamp in UTC with its zone (SQLite gives it back without one)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _summary(submission: Submission, *, with_application: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": submission.id,
        "uscc": submission.uscc,
        "year": submission.year,
        "state": submission.state,
        "submitted_version": submission.submitted_version,
        "versions": [_version_json(v) for v in submission.versions],
    }
    if with_application:
        latest = submission.latest
        data = latest.application_json if latest is not None else None
        out["application"] = Application.from_json(data).to_json() if data is not None else None
    return out
