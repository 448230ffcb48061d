"""Downloads of a decision's letter (审核意见告知书 / 审核确认书) as Word and PDF.

The province that decided, the enterprise it was sent to, the ministry and the
administrators may download it (``letters.may_read``); for anyone else the decision does
not exist (404).
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, request, send_file
from werkzeug.wrappers import Response

from intake.accounts.models import Role
from intake.render import RenderError
from intake.render.notice import cached_pdf, notice_docx
from intake.review.decisions.letters import Letter, letter_of, may_read
from intake.review.decisions.models import Decision
from intake.review.submissions.models import Submission
from intake.web.database import db, settings
from intake.web.security import roles_required, user

bp = Blueprint("letters", __name__, url_prefix="/letters")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
READERS = (Role.ENTERPRISE, Role.PROVINCE, Role.MINISTRY, Role.ADMIN)
LAYOUT = "v2"  # part of a cached PDF's name: a new layout converts again


def _letter(decision_id: int) -> Letter:
    """The letter of a decision the user may read; 404 otherwise."""
    decision = db().get(Decision, decision_id)
    submission = db().get(Submission, decision.submission_id) if decision else None
    if decision is None or submission is None:
        abort(404)
    if not may_read(db(), user(), submission):
        abort(404)
    return letter_of(db(), decision)


def _docx(letter: Letter) -> bytes:
    deadline = settings().deadline
    return notice_docx(letter, deadline_text=f"{deadline.year}年{deadline.month}月{deadline.day}日")


@bp.route("/<int:decision_id>.docx")
@roles_required(*READERS)
def letter_docx(decision_id: int) -> Response:
    """The letter as Word, to print, stamp and file."""
    letter = _letter(decision_id)
    return _send(_docx(letter), DOCX, f"{letter.file_stem}.docx")


@bp.route("/<int:decision_id>.pdf")
@roles_required(*READERS)
def letter_pdf(decision_id: int) -> Response:
    """The letter as PDF (converted once per decision, then served from the cache)."""
    letter = _letter(decision_id)
    cache = settings().instance_path / "letters"
    try:
        data = cached_pdf(_docx(letter), cache, f"decision-{decision_id}-{LAYOUT}")
    except RenderError as error:
        flash(error.message, "error")
        return redirect(request.referrer or "/")
    return _send(data, "application/pdf", f"{letter.file_stem}.pdf")


def _send(data: bytes, mimetype: str, name: str) -> Response:
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
