"""Downloads: the filled official form (.docx, .pdf) of a version, and the original upload."""

from __future__ import annotations

import hashlib
import io
import json

from flask import abort, flash, redirect, send_file, url_for
from werkzeug.wrappers import Response

from intake.accounts.models import Role
from intake.application import Application
from intake.render import RenderError, render_docx
from intake.render.notice import cached_pdf
from intake.review.submissions.models import Version
from intake.web.database import settings, storage
from intake.web.enterprise import bp
from intake.web.enterprise.access import own_version
from intake.web.security import roles_required

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("/applications/<int:submission_id>/v/<int:number>/form.docx")
@roles_required(Role.ENTERPRISE)
def form_docx(submission_id: int, number: int) -> Response:
    """The official 申请表 filled with the version's values, as Word."""
    application = _application(own_version(submission_id, number))
    return _send(
        render_docx(application, settings().cycles), DOCX, _download_name(application, "docx")
    )


@bp.route("/applications/<int:submission_id>/v/<int:number>/form.pdf")
@roles_required(Role.ENTERPRISE)
def form_pdf(submission_id: int, number: int) -> Response:
    """The official 申请表 filled with the version's values, as PDF."""
    version = own_version(submission_id, number)
    application = _application(version)
    try:
        data = _cached_pdf(version, application)
    except RenderError as exc:
        flash(str(exc), "error")
        return redirect(url_for("enterprise.report", submission_id=submission_id, number=number))
    return _send(data, "application/pdf", _download_name(application, "pdf"))


@bp.route("/applications/<int:submission_id>/v/<int:number>/original")
@roles_required(Role.ENTERPRISE)
def original(submission_id: int, number: int) -> Response:
    """The file as uploaded (404 for a version typed online)."""
    version = own_version(submission_id, number)
    return send_stored(version.file_sha256, version.original_filename)


def send_stored(sha256: str | None, name: str | None) -> Response:
    """A stored file as it was received, under its original name (404 when there is none)."""
    if sha256 is None or not storage().exists(sha256):
        abort(404)
    return send_file(
        storage().path(sha256),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=name or "upload",
    )


def _cached_pdf(version: Version, application: Application) -> bytes:
    """The form's PDF, converted by LibreOffice once per version's values and then kept."""
    values = json.dumps(version.application_json, sort_keys=True, ensure_ascii=False)
    key = f"version-{version.id}-{hashlib.sha256(values.encode()).hexdigest()[:16]}"
    return cached_pdf(
        render_docx(application, settings().cycles), settings().instance_path / "forms-pdf", key
    )


def _application(version: Version) -> Application:
    if version.application_json is None:
        abort(404)
    application = Application.from_json(version.application_json)
    if application.year not in settings().cycles:
        abort(404)
    return application


def _download_name(application: Application, extension: str) -> str:
    return f"CCER抵销配额清缴申请表-{application.year}-{application.uscc or ''}.{extension}"


def _send(data: bytes, mimetype: str, name: str) -> Response:
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
