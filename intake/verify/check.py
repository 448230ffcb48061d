"""What a rule looks at: the application, the registry, the options, and checked values.

The accessors here return a value only when it is present AND valid, so a rule
that needs a value simply returns when it gets ``None``: a blank or invalid
field is reported once, by the field rules, and suppresses every other check.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from stdnum.cn import uscc as uscc_module

from intake.application import Application, CcerRow
from intake.cycles import Cycle, Cycles
from intake.verify.catalogue import ROW_PATH
from intake.verify.protocol import EntityRecord, ProjectRecord, Registry

# A number with more digits than this cannot be a quantity on this form; the bound keeps
# the exact arithmetic cheap whatever is uploaded.
MAX_DIGITS = 30


def is_positive_number(value: object) -> bool:
    """True for a finite Decimal above zero of sane size (what a quantity or ratio must be)."""
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        return False
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, so never 'n', 'N' or 'F'
    return value.adjusted() < MAX_DIGITS and exponent >= -MAX_DIGITS


def as_year(value: object) -> int | None:
    """A year written as an int or as plain digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def is_blank(value: object) -> bool:
    """True when nothing was written: None or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def fold(text: str) -> str:
    """Text for comparing names and ids: NFKC (full-width to half-width), no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def get_path(app: Application, path: str) -> Any:
    """The value at a field path (``declaration.year``, ``ccer_rows[1].project_number``)."""
    match = ROW_PATH.fullmatch(path)
    if match:
        index = int(match.group(1))
        rows = app.ccer_rows if isinstance(app.ccer_rows, list) else []
        return getattr(rows[index], match.group(2), None) if index < len(rows) else None
    target: Any = app
    for part in path.split("."):
        target = getattr(target, part, None)
    return target


@dataclass
class Check:
    """One application being checked against one registry."""

    app: Application
    registry: Registry
    cycles: Cycles
    exclude_submission: int | None
    low_confidence: float
    # The 统一社会信用代码 of the enterprise account that hands the form in: the registry
    # checks then run against that entity only, never against the one the form names.
    applicant_uscc: str | None = None
    # The year of the application this form is a version of, once fixed.
    application_year: int | None = None
    _projects: dict[str, ProjectRecord | None] = field(default_factory=dict, repr=False)

    def raw(self, path: str) -> Any:
        """The value at a field path, whatever it is."""
        return get_path(self.app, path)

    def number(self, path: str) -> Decimal | None:
        """The quantity or ratio at a path when it is a valid positive number."""
        value = self.raw(path)
        return value if is_positive_number(value) else None

    def text(self, path: str) -> str | None:
        """The trimmed text at a path, or None when blank."""
        value = self.raw(path)
        if is_blank(value):
            return None
        return str(value).strip()

    @property
    def rows(self) -> list[CcerRow]:
        """The CCER rows as read (an empty list when there are none)."""
        rows = self.app.ccer_rows
        return [row for row in rows if isinstance(row, CcerRow)] if isinstance(rows, list) else []

    @property
    def filled_rows(self) -> list[tuple[int, CcerRow]]:
        """The CCER rows with at least one cell written, with their index."""
        return [
            (index, row)
            for index, row in enumerate(self.rows)
            if not (is_blank(row.cancel_quantity_t) and is_blank(row.project_number))
        ]

    def project_number(self, row: CcerRow) -> str | None:
        """The row's 项目编号, trimmed, or None when blank."""
        value = row.project_number
        return None if is_blank(value) else str(value).strip()

    @property
    def year(self) -> int | None:
        """The form's year when it is the year of a cycle the service accepts."""
        year = as_year(self.app.year)
        return year if year in self.cycles else None

    @property
    def cycle(self) -> Cycle:
        """The cycle whose ceiling applies: the form's year's, else the latest."""
        return self.cycles.ceiling_for(self.year)

    @property
    def deadline(self) -> dt.date:
        """The application deadline: the cycle of the application's (else the form's) year."""
        year = self.application_year if self.application_year in self.cycles else self.year
        return self.cycles.deadline_for(year)

    @property
    def declaration_year(self) -> int | None:
        """The year written in the 声明 when it is a plausible year."""
        year = as_year(self.raw("declaration.year"))
        return year if year is not None and 2000 <= year <= 2100 else None

    @property
    def signed_date(self) -> dt.date | None:
        """The signing date when it is a real date."""
        value = self.app.signed_date
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else None

    @cached_property
    def uscc(self) -> str | None:
        """The 统一社会信用代码 as written, when present."""
        return self.text("uscc")

    @cached_property
    def uscc_valid(self) -> bool:
        """True when the code passes GB 32100-2015."""
        return self.uscc is not None and bool(uscc_module.is_valid(self.uscc))

    @cached_property
    def applicant_mismatch(self) -> bool:
        """True when an enterprise account hands in a form naming another entity's code."""
        if self.applicant_uscc is None or self.uscc is None:
            return False
        return fold(self.uscc).upper() != self.applicant_uscc

    @cached_property
    def entity(self) -> EntityRecord | None:
        """The registry's entity for this code; None when blank, invalid or unknown.

        With an applicant it is always the applicant's own entity: what the registry holds
        for the code the form names is never looked up, so nothing a user sees (message,
        code or timing) depends on another entity's data.
        """
        if self.uscc is None:
            return None
        if self.applicant_uscc is not None:
            return self.registry.entity(self.applicant_uscc)
        if not self.uscc_valid:
            return None
        return self.registry.entity(str(uscc_module.compact(self.uscc)))

    @cached_property
    def allocated_due(self) -> Decimal | None:
        """应清缴配额量 allocated to the entity for the form's year, when both are known."""
        if self.entity is None or self.year is None:
            return None
        return self.registry.due_allowance(self.entity.uscc, self.year)

    def project(self, number: str) -> ProjectRecord | None:
        """The catalogue entry of a project number (looked up once per check)."""
        if number not in self._projects:
            self._projects[number] = self.registry.project(number)
        return self._projects[number]

    @cached_property
    def pending(self) -> dict[str, Decimal]:
        """Project number -> the entity's 待抵销 quantity (empty without an entity)."""
        return self.registry.pending(self.entity.uscc) if self.entity else {}

    @cached_property
    def claimed_elsewhere(self) -> dict[str, Decimal]:
        """Project number -> quantity asked in the entity's other live applications."""
        if self.entity is None:
            return {}
        return self.registry.claimed_elsewhere(self.entity.uscc, self.exclude_submission)
