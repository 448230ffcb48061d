"""The value types every layer shares: Application, CcerRow, Declaration, Problem, Report.

A quantity or ratio is a ``Decimal`` when the form holds a plain number (with
the precision written), the trimmed text when something was written that is
not a number (so the verifier can say ``VALUE_INVALID``), and ``None`` when
the cell is blank. ``signed_date`` follows the same pattern with ``date``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from intake.values import parse_quantity

Quantity = Decimal | str | None
Severity = Literal["error", "warning"]


def number(value: object) -> Decimal | None:
    """The value as a Decimal when it was read as a valid number, else None."""
    return value if isinstance(value, Decimal) else None


@dataclass(frozen=True)
class Source:
    """Where a value was read: a table cell, a paragraph or a box on a page."""

    where: str
    page: int | None = None
    box: tuple[float, float, float, float] | None = None
    confidence: float | None = None
    crop: str | None = None  # data: URL of the image crop, for values read by OCR

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form."""
        out: dict[str, Any] = {"where": self.where}
        if self.page is not None:
            out["page"] = self.page
        if self.box is not None:
            out["box"] = [round(v, 1) for v in self.box]
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 3)
        if self.crop is not None:
            out["crop"] = self.crop
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Source:
        """Inverse of to_json."""
        box = data.get("box")
        return cls(
            where=str(data.get("where", "")),
            page=data.get("page"),
            box=tuple(box) if box else None,
            confidence=data.get("confidence"),
            crop=data.get("crop"),
        )


@dataclass
class CcerRow:
    """One 注销量 / 项目编号 row of the CCER table."""

    cancel_quantity_t: Quantity = None
    project_number: str | None = None


@dataclass
class Declaration:
    """The blanks of the 声明 paragraph."""

    province: str | None = None
    offset_t: Quantity = None
    ratio_pct: Quantity = None
    year: int | str | None = None


@dataclass
class Application:
    """One 申请表 as read from a file or typed into the web form."""

    year: int | None = None
    entity_name: str | None = None
    uscc: str | None = None
    ccer_account_id: str | None = None
    ets_account_id: str | None = None
    due_allowance_t: Quantity = None
    offset_requested_t: Quantity = None
    offset_ratio_pct: Quantity = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    ccer_rows: list[CcerRow] = field(default_factory=list)
    declaration: Declaration = field(default_factory=Declaration)
    signed_date: dt.date | str | None = None
    stamp_present: bool | None = None
    # Field path (as in Problem.field) -> where it was read. Not part of the contract JSON.
    sources: dict[str, Source] = field(default_factory=dict)
    source_kind: str | None = None  # "docx", "doc", "pdf", "scan", "photo", "web"

    @property
    def is_digital(self) -> bool:
        """True when the file had no page image to look at for a seal."""
        return self.source_kind in ("docx", "doc", "pdf")

    def to_json(self, *, with_sources: bool = False) -> dict[str, Any]:
        """The contract's application JSON."""
        out: dict[str, Any] = {
            "year": self.year,
            "entity_name": self.entity_name,
            "uscc": self.uscc,
            "ccer_account_id": self.ccer_account_id,
            "ets_account_id": self.ets_account_id,
            "due_allowance_t": _q(self.due_allowance_t),
            "offset_requested_t": _q(self.offset_requested_t),
            "offset_ratio_pct": _q(self.offset_ratio_pct),
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
            "contact_email": self.contact_email,
            "ccer_rows": [
                {"cancel_quantity_t": _q(r.cancel_quantity_t), "project_number": r.project_number}
                for r in self.ccer_rows
            ],
            "declaration": {
                "province": self.declaration.province,
                "offset_t": _q(self.declaration.offset_t),
                "ratio_pct": _q(self.declaration.ratio_pct),
                "year": self.declaration.year,
            },
            "signed_date": (
                self.signed_date.isoformat()
                if isinstance(self.signed_date, dt.date)
                else self.signed_date
            ),
            "stamp_present": self.stamp_present,
        }
        if with_sources:
            out["sources"] = {k: v.to_json() for k, v in self.sources.items()}
            out["source_kind"] = self.source_kind
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Application:
        """Inverse of to_json: strings that are plain decimals become Decimal again."""
        decl = data.get("declaration") or {}
        return cls(
            year=data.get("year"),
            entity_name=data.get("entity_name"),
            uscc=data.get("uscc"),
            ccer_account_id=data.get("ccer_account_id"),
            ets_account_id=data.get("ets_account_id"),
            due_allowance_t=_unq(data.get("due_allowance_t")),
            offset_requested_t=_unq(data.get("offset_requested_t")),
            offset_ratio_pct=_unq(data.get("offset_ratio_pct")),
            contact_name=data.get("contact_name"),
            contact_phone=data.get("contact_phone"),
            contact_email=data.get("contact_email"),
            ccer_rows=[
                CcerRow(_unq(r.get("cancel_quantity_t")), r.get("project_number"))
                for r in data.get("ccer_rows") or []
            ],
            declaration=Declaration(
                province=decl.get("province"),
                offset_t=_unq(decl.get("offset_t")),
                ratio_pct=_unq(decl.get("ratio_pct")),
                year=decl.get("year"),
            ),
            signed_date=_undate(data.get("signed_date")),
            stamp_present=data.get("stamp_present"),
            sources={k: Source.from_json(v) for k, v in (data.get("sources") or {}).items()},
            source_kind=data.get("source_kind"),
        )


def _q(value: Quantity) -> str | None:
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _unq(value: object) -> Quantity:
    if value is None:
        return None
    text = str(value)
    return parse_quantity(text)


def _undate(value: object) -> dt.date | str | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)


@dataclass(frozen=True)
class Problem:
    """One finding of the verifier, as in the contract's report JSON."""

    code: str
    severity: Severity
    field: str | None
    message: str
    expected: str | None = None
    actual: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The contract's problem JSON."""
        return {
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Problem:
        """Inverse of to_json."""
        return cls(
            code=data["code"],
            severity=data["severity"],
            field=data.get("field"),
            message=data.get("message", ""),
            expected=data.get("expected"),
            actual=data.get("actual"),
        )


@dataclass
class Report:
    """Every problem of one file, found in one pass."""

    file: str | None
    application: Application | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem is an error."""
        return not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        """The problems of severity error."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems of severity warning."""
        return [p for p in self.problems if p.severity == "warning"]

    def flatten(self, *keys: str) -> list[tuple[Any, ...]]:
        """The problems as tuples of the named attributes, for compact test assertions."""
        return [tuple(getattr(p, k) for k in keys) for p in self.problems]

    def to_json(self, *, with_sources: bool = False) -> dict[str, Any]:
        """The contract's report JSON."""
        return {
            "file": self.file,
            "application": (
                self.application.to_json(with_sources=with_sources) if self.application else None
            ),
            "problems": [p.to_json() for p in self.problems],
            "ok": self.ok,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """Inverse of to_json."""
        app = data.get("application")
        return cls(
            file=data.get("file"),
            application=Application.from_json(app) if app else None,
            problems=[Problem.from_json(p) for p in data.get("problems") or []],
        )


def codes(problems: Iterable[Problem]) -> list[str]:
    """Sorted codes, for comparisons with the sample corpus."""
    return sorted(p.code for p in problems)
