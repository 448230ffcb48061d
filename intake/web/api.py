"""The JSON API under /api/v1/: check a file, create and read applications, get reports.

Every call but the OpenAPI document needs ``Authorization: Bearer <token>``; the API
uses no cookies, so it is exempt from CSRF. Responses use the contract's JSON. Each
view names its input and answers as models (``api_models``): spectree checks them and
publishes them in the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, g, jsonify, request, url_for
from spectree import Response as Answers
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from intake.accounts.models import Role, User
from intake.application import Application
from intake.checking import parse_report
from intake.review.decisions import operations as decisions
from intake.review.errors import ReviewError
from intake.review.submissions import operations, queries
from intake.review.submissions.models import CheckState, Submission, Version
from intake.sandbox import Limits
from intake.web.api_input import NO_FILE_MESSAGE, NOT_AN_OBJECT, refuse_large_json, refused
from intake.web.api_models import (
    IGNORED,
    ApplicationDetail,
    ApplicationInput,
    ApplicationPage,
    ApplicationSummary,
    Document,
    Error,
    PageQuery,
    Pending,
    Report,
    ReportQuery,
    Upload,
)
from intake.web.api_models import (
    Version as VersionModel,
)
from intake.web.bearer import bearer_user
from intake.web.database import db, settings, storage
from intake.web.enterprise.access import checker
from intake.web.jobs import runner
from intake.web.openapi import api_spec, openapi_document
from intake.web.reporting import visible_report
from intake.web.security import address, csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.before_request(refuse_large_json)

F = TypeVar("F")
T = TypeVar("T")

# The error statuses, as each operation can answer them.
UNAUTHORIZED = {
    "HTTP_401": (Error, "missing, unknown, expired or revoked token"),
    "HTTP_403": (Error, "the token's user is not an enterprise user"),
}
NOT_FOUND = {"HTTP_404": (Error, "no such application of the user's entity")}
REFUSED = {"HTTP_409": (Error, "refused in the application's current state (reason in Chinese)")}
TOO_LARGE = {"HTTP_413": (Error, "file over the upload limit, or application JSON over 1 MB")}
NO_FILE = {"HTTP_400": (Error, "no file, or a body that is neither a file nor a JSON object")}
BAD_QUERY = {"HTTP_400": (Error, "a query parameter unknown or out of range")}
INVALID = {
    "HTTP_422": (
        Error,
        "application JSON not matching ApplicationInput (field and reason in Chinese)",
    )
}
CREATED = {
    "HTTP_201": (VersionModel, "created and checked"),
    "HTTP_202": (VersionModel, "created; the check runs"),
}


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


def validated(name: str) -> Any:
    """The model spectree validated from the request's ``query`` or ``json``."""
    return getattr(getattr(request, "context", None), name, None)


# An operation without input names, as spectree's validation status, one it answers
# anyway: spectree then documents no status the operation never gives.
@bp.get("/openapi.json")
@api_spec.validate(
    resp=Answers(HTTP_200=Document),
    operation_id="openapi",
    security={},
    validation_error_status=200,
)
def openapi() -> Response:
    """This document (OpenAPI 3.1)."""
    return jsonify(openapi_document(url_for("api.openapi")))  # relative: no Host header echoed


@bp.post("/check")
@token_required
@api_spec.validate(
    form=Upload,
    resp=Answers(HTTP_200=Report, **NO_FILE, **UNAUTHORIZED, **TOO_LARGE),
    operation_id="checkFile",
    validation_error_status=400,
)
def check() -> Response:
    """Check one file (nothing is kept)."""
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
@api_spec.validate(
    query=PageQuery,
    resp=Answers(HTTP_200=ApplicationPage, **BAD_QUERY, **UNAUTHORIZED),
    operation_id="listApplications",
    validation_error_status=400,
)
def list_applications() -> Response:
    """The entity's applications.

    Those not deleted, oldest first, ``per_page`` (at most 100) a page; ``next`` links
    the following page while there is one.
    """
    query: PageQuery = validated("query")
    page, per_page = query.page, query.per_page
    # Only enterprise users hold tokens, and each has its entity; none matches nothing.
    uscc = api_user().uscc or ""
    submissions, more = queries.entity_submissions_page(db(), uscc, page, per_page)
    body: dict[str, Any] = {"applications": [_summary(s) for s in submissions]}
    if more:
        body["next"] = url_for("api.list_applications", page=page + 1, per_page=per_page)
    return jsonify(body)


@bp.post("/applications")
@token_required
@api_spec.validate(
    json=ApplicationInput,
    form=Upload,
    resp=Answers(**CREATED, **NO_FILE, **UNAUTHORIZED, **REFUSED, **TOO_LARGE, **INVALID),
    operation_id="createApplication",
    validation_error_status=422,
)
def create_application() -> tuple[Response, int]:
    """Create an application from a file or application JSON.

    A multipart ``file`` is checked in the background (202); application JSON at once (201).
    """
    return _new_version(None)


@bp.post("/applications/<int:application_id>/versions")
@token_required
@api_spec.validate(
    json=ApplicationInput,
    form=Upload,
    resp=Answers(
        **CREATED, **NO_FILE, **UNAUTHORIZED, **NOT_FOUND, **REFUSED, **TOO_LARGE, **INVALID
    ),
    operation_id="addVersion",
    validation_error_status=422,
)
def add_version(application_id: int) -> tuple[Response, int]:
    """Add a corrected version, as a file or as application JSON."""
    return _new_version(_own(application_id))


@bp.post("/applications/<int:application_id>/copy")
@token_required
@api_spec.validate(
    form=Upload,
    resp=Answers(
        HTTP_202=(VersionModel, "attached; the check runs"),
        **NO_FILE,
        **UNAUTHORIZED,
        **NOT_FOUND,
        **REFUSED,
        **TOO_LARGE,
    ),
    operation_id="attachCopy",
    validation_error_status=400,
)
def attach_copy(application_id: int) -> tuple[Response, int]:
    """Attach the stamped copy of an application typed online (multipart ``file``).

    The copy is checked in the background.
    """
    upload = _file()
    version = _refused_as_409(
        operations.attach_copy, db(), storage(), _own(application_id), user=api_user(),
        data=upload.read(), filename=upload.filename or "copy", address=address(),
    )  # fmt: skip
    runner().submit(version.id)
    db().refresh(version)
    return jsonify(_version_json(version)), 202


@bp.post("/applications/<int:application_id>/submit")
@token_required
@api_spec.validate(
    resp=Answers(
        HTTP_200=(ApplicationSummary, "submitted"), **UNAUTHORIZED, **NOT_FOUND, **REFUSED
    ),
    operation_id="submit",
    validation_error_status=404,
)
def submit(application_id: int) -> Response:
    """Submit the latest version for review."""
    _refused_as_409(decisions.submit, db(), _own(application_id), api_user(), address())
    return jsonify(_summary(_own(application_id)))


@bp.post("/applications/<int:application_id>/withdraw")
@token_required
@api_spec.validate(
    resp=Answers(
        HTTP_200=(ApplicationSummary, "withdrawn"), **UNAUTHORIZED, **NOT_FOUND, **REFUSED
    ),
    operation_id="withdraw",
    validation_error_status=404,
)
def withdraw(application_id: int) -> Response:
    """Withdraw a submitted application before the decision."""
    _refused_as_409(decisions.withdraw, db(), _own(application_id), api_user(), address())
    return jsonify(_summary(_own(application_id)))


@bp.delete("/applications/<int:application_id>")
@token_required
@api_spec.validate(
    resp=Answers("HTTP_204", **UNAUTHORIZED, **NOT_FOUND, **REFUSED),
    operation_id="discard",
    validation_error_status=404,
)
def discard(application_id: int) -> tuple[str, int]:
    """Delete a draft never submitted (it stays in the log)."""
    _refused_as_409(decisions.discard, db(), _own(application_id), api_user(), address())
    return "", 204


@bp.get("/applications/<int:application_id>")
@token_required
@api_spec.validate(
    resp=Answers(HTTP_200=ApplicationDetail, **UNAUTHORIZED, **NOT_FOUND),
    operation_id="readApplication",
    validation_error_status=404,
)
def read_application(application_id: int) -> Response:
    """Read an application: state, versions, and the latest version's application JSON."""
    return jsonify(_summary(_own(application_id), with_application=True))


@bp.get("/applications/<int:application_id>/report")
@token_required
@api_spec.validate(
    query=ReportQuery,
    resp=Answers(
        HTTP_200=Report,
        HTTP_202=(Pending, "the check still runs"),
        HTTP_500=(Pending, "the check failed (state and error)"),
        **BAD_QUERY,
        **UNAUTHORIZED,
        **NOT_FOUND,
    ),
    operation_id="getReport",
    validation_error_status=400,
)
def report(application_id: int) -> tuple[Response, int]:
    """The report of the latest (or a given) version; 202 while the check runs."""
    version = _version(_own(application_id), validated("query"))
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
        refused(409, str(error))


def _checked_json(submission: Submission | None) -> Any:
    """The report of the application JSON spectree validated (a JSON object, or 400)."""
    if not isinstance(request.get_json(silent=True), dict):
        refused(400, NOT_AN_OBJECT)
    sent: ApplicationInput = validated("json")
    application = Application.from_json(sent.model_dump(exclude=set(IGNORED), exclude_unset=True))
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
        refused(400, NO_FILE_MESSAGE)
    return upload


def _own(application_id: int) -> Submission:
    submission = db().get(Submission, application_id)
    if submission is None or submission.uscc != api_user().uscc:
        abort(404)
    return submission


def _version(submission: Submission, query: ReportQuery) -> Version:
    """The version ``?version=N`` names, or the latest."""
    if query.version is None:
        if submission.latest is None:
            abort(404)
        return submission.latest
    for version in submission.versions:
        if version.number == query.version:
            return version
    abort(404)


def _version_json(version: Version) -> dict[str, Any]:
    out: dict[str, Any] = {
        "application_id": version.submission_id,
        "version": version.number,
        "state": version.check_state,
        "file": version.original_filename,
        "created_at": _aware(version.created_at).isoformat(),
        "report_url": url_for("api.report", application_id=version.submission_id,
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
