"""A decision letter prints notes stored with control characters (issue 11)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import docx

from intake.render.notice import notice_docx
from intake.review.decisions.letters import Letter, Reason


def test_a_letter_with_control_characters_in_its_notes_prints() -> None:
    letter = Letter(
        decision_id=1, approved=False, reference="晋审〔2023〕1号", entity_name="大唐\x01太原",
        uscc="91140000MA0000000X", year=2021, submission_id=1, version=1,
        authority="山西省生态环境厅", decided_on=dt.date(2023, 11, 1), comment="请\x0b修改",
        reasons=[Reason("contact_phone", "电话\x01无人接听", "第三条", "error")],
        offset_t=Decimal("3000"), rows=[("2639\x01", "3000")],
    )  # fmt: skip
    document = docx.Document(io.BytesIO(notice_docx(letter)))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert "大唐太原" in text
    assert "请修改" in text
    assert "电话无人接听" in text
