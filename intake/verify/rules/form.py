"""The paper itself: seal, signing date, and values the reader was unsure of."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_FLOOR, Decimal

from intake.verify.check import Check
from intake.verify.engine import Found, rule

TYPED_ONLINE = "web"  # typed into the web form: there is no seal to look at yet


@rule("STAMP_MISSING", field="stamp_present")
def stamp_missing(check: Check) -> Iterator[Found]:
    """A scanned or photographed form with no seal over the signature area."""
    if check.app.stamp_present is False and check.app.source_kind != TYPED_ONLINE:
        yield Found()


@rule("STAMP_UNVERIFIED", field="stamp_present")
def stamp_unverified(check: Check) -> Iterator[Found]:
    """A digital file: there is no page image, so the seal could not be checked."""
    if check.app.stamp_present is None and check.app.source_kind != TYPED_ONLINE:
        yield Found()


@rule("APPLICATION_YEAR_MISMATCH", field="year")
def application_year_mismatch(check: Check) -> Iterator[Found]:
    """A version of another year than its application's (the year is fixed at creation)."""
    year, fixed = check.year, check.application_year
    if year is not None and fixed is not None and year != fixed:
        yield Found(actual=year, expected=fixed)


@rule("DEADLINE_PASSED", field="signed_date")
def deadline_passed(check: Check) -> Iterator[Found]:
    """Signed after the application deadline (the deadline day itself is in time)."""
    signed = check.signed_date
    if signed is not None and signed > check.deadline:
        yield Found(actual=signed, expected=check.deadline)


@rule("LOW_CONFIDENCE")
def low_confidence(check: Check) -> Iterator[Found]:
    """A value read from an image with low OCR confidence: the reviewer should look."""
    sources = check.app.sources if isinstance(check.app.sources, dict) else {}
    threshold = check.low_confidence
    for path, source in sources.items():
        confidence = getattr(source, "confidence", None)
        if isinstance(confidence, int | float) and confidence < threshold:
            yield Found(
                field=path,
                actual=hundredths(confidence),
                expected=f"≥ {threshold:.2f}",
                threshold=f"{threshold:.2f}",
            )


def hundredths(confidence: float) -> Decimal:
    """A confidence for display, rounded down so that it never reads as the threshold."""
    return Decimal(repr(confidence)).quantize(Decimal("0.01"), ROUND_FLOOR)
