"""Telling the enterprise: a notice on its home page, and an e-mail when SMTP is configured.

The notice row is written in the transaction of the decision; the e-mail is sent
only after that commit (``deliver``), so no mail ever announces a decision that was
rolled back. A failed delivery is recorded on the notice, never raised.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake import clock
from intake.config import Settings
from intake.review.models import Notice

SMTP_TIMEOUT_S = 10


def add_notice(
    session: Session,
    *,
    uscc: str,
    submission_id: int | None,
    title: str,
    body: str,
    email_to: str | None = None,
) -> Notice:
    """Add a notice for the entity to the caller's transaction."""
    notice = Notice(
        uscc=uscc,
        submission_id=submission_id,
        title=title[:200],
        body=body,
        email_to=(email_to or "").strip()[:254],
    )
    session.add(notice)
    return notice


def notices_for(session: Session, uscc: str, *, unread_only: bool = False) -> list[Notice]:
    """The entity's notices, newest first."""
    query = select(Notice).where(Notice.uscc == uscc)
    if unread_only:
        query = query.where(Notice.read_at.is_(None))
    return list(session.scalars(query.order_by(Notice.created_at.desc(), Notice.id.desc())))


def mark_read(session: Session, uscc: str, notice_id: int) -> bool:
    """Mark one of the entity's notices read; False when it has no such notice."""
    notice = session.scalar(select(Notice).where(Notice.id == notice_id, Notice.uscc == uscc))
    if notice is None:
        return False
    if notice.read_at is None:
        notice.read_at = clock.now_of(session)
        session.commit()
    return True


def message_for(notice: Notice, sender: str) -> EmailMessage:
    """The e-mail carrying the notice."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notice.email_to
    message["Subject"] = notice.title
    message.set_content(notice.body)
    return message


def deliver(session: Session, settings: Settings, notice: Notice) -> bool:
    """Send the notice by e-mail when SMTP is configured and it has an address; True if sent."""
    if not settings.smtp_host or not notice.email_to or notice.mailed_at is not None:
        return False
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
            smtp.send_message(message_for(notice, settings.mail_from))
    except (OSError, smtplib.SMTPException) as error:
        notice.mail_error = f"{type(error).__name__}: {error}"[:2000]
        session.commit()
        return False
    notice.mailed_at = clock.now_of(session)
    notice.mail_error = ""
    session.commit()
    return True
