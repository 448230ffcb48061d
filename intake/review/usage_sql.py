"""The SQL behind the project usage: claims and lots added up per project, and the flags."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Select, Subquery, and_, case, cast, distinct, false, func, select
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from intake.registry.models import CcerLot, LotStatus, Project
from intake.registry.values import plain
from intake.review.models import Submission, SubmissionState, Version, VersionClaim
from intake.review.records import ProjectVerification

# Quantities have at most 4 decimals (the registry's NUMERIC(20, 4)): sums in SQL are taken
# over whole ten-thousandths of a tonne, which SQLite and PostgreSQL add exactly as integers.
QUANTUM_PER_T = 10_000
PROJECT_FLAGS = (
    "unknown",
    "ineligible",
    "not_verified",
    "over_claimed",
    "several_entities",
    "both_years",
)


def _units(quantity: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[int]:
    """A quantity in whole ten-thousandths of a tonne, which both databases add exactly."""
    return cast(func.round(quantity * QUANTUM_PER_T), BigInteger)


def tonnes(units: Any) -> Decimal:
    """Back from ten-thousandths of a tonne (None, an empty sum, is zero)."""
    return plain(Decimal(int(units or 0)) / QUANTUM_PER_T)


def latest_claims() -> Select[Any]:
    """CCER rows of the latest version of every handed-in application (choose the columns)."""
    return (
        select(VersionClaim.project_number)
        .join(Version, Version.id == VersionClaim.version_id)
        .join(Submission, Submission.id == Version.submission_id)
        .where(
            Submission.state != SubmissionState.DRAFT.value,
            Version.number == Submission.latest_version,
        )
    )


def used_numbers() -> Select[Any]:
    """The project numbers named in the latest version of any handed-in application.

    Written as an IN over the latest versions' ids: SQLite then reads those ids from the
    (submission, number) index instead of visiting each version's row, twice as fast.
    """
    latest = (
        select(Version.id)
        .join(Submission, Submission.id == Version.submission_id)
        .where(
            Submission.state != SubmissionState.DRAFT.value,
            Version.number == Submission.latest_version,
        )
    )
    return select(VersionClaim.project_number).where(VersionClaim.version_id.in_(latest)).distinct()


def _per_entity(scope: Sequence[str] | None) -> Subquery:
    """Per project (of these, or all) and entity: quantities asked and approved; what counts.

    A live (submitted) claim asks for CCER still pending; a rejected one no longer counts
    towards "several entities" or "both years".
    """
    live = Submission.state == SubmissionState.SUBMITTED.value
    approved = Submission.state == SubmissionState.APPROVED.value
    counted = Submission.state != SubmissionState.REJECTED.value
    units = _units(VersionClaim.quantity_t)
    year = func.coalesce(Submission.year, 0)
    query = latest_claims().add_columns(
        Submission.uscc,
        func.sum(case((live, units), else_=0)).label("asked"),
        func.sum(case((approved, units), else_=0)).label("approved"),
        func.max(case((live, 1), else_=0)).label("live"),
        func.max(case((counted, 1), else_=0)).label("counted"),
        func.count(distinct(case((counted, year)))).label("years"),
    )
    if scope is not None:
        query = query.where(VersionClaim.project_number.in_(scope))
    return query.group_by(VersionClaim.project_number, Submission.uscc).subquery("per_entity")


def _over_claimed(number: Any) -> ColumnElement[bool]:
    """True when an entity's live claims on the project ask more than it holds pending of it.

    The costly flag: one index search of the entity's lots per entity with live claims on
    the project. As a correlated EXISTS it runs only for the rows that reach it (after the
    cheaper flags of "attention", or for one page).
    """
    held = (
        select(func.coalesce(func.sum(_units(CcerLot.quantity_t)), 0))
        .where(
            CcerLot.uscc == Submission.uscc,
            CcerLot.project_number == number,
            CcerLot.status == LotStatus.PENDING.value,
        )
        .correlate_except(CcerLot)  # the number is two levels up: name what is local
        .scalar_subquery()
    )
    asked = func.coalesce(func.sum(_units(VersionClaim.quantity_t)), 0)
    return (
        latest_claims()
        .with_only_columns(Submission.uscc, maintain_column_froms=True)
        .where(
            VersionClaim.project_number == number,
            Submission.state == SubmissionState.SUBMITTED.value,
        )
        .group_by(Submission.uscc)
        .having(asked > held)
        .exists()
    )


def per_project(scope: Sequence[str] | None) -> Subquery:
    """Per project: quantities claimed and approved, and what the claim flags read."""
    entity = _per_entity(scope).c
    return (
        select(
            entity.project_number,
            func.coalesce(func.sum(entity.asked), 0).label("claimed"),
            func.coalesce(func.sum(entity.approved), 0).label("approved"),
            func.sum(entity.counted).label("counted"),
            func.max(case((entity.years > 1, 1), else_=0)).label("both_years"),
            func.count().label("entities"),
        )
        .group_by(entity.project_number)
        .subquery("per_project")
    )


def _lot_totals(scope: Sequence[str] | None) -> Subquery:
    """Per project (of these, or all used): quantities pending and offset, in units."""
    units = _units(CcerLot.quantity_t)
    pending = case((CcerLot.status == LotStatus.PENDING.value, units), else_=0)
    offset = case((CcerLot.status == LotStatus.OFFSET.value, units), else_=0)
    projects = scope if scope is not None else used_numbers()
    return (
        select(
            CcerLot.project_number,
            func.sum(pending).label("pending"),
            func.sum(offset).label("offset"),
        )
        .where(CcerLot.project_number.in_(projects))
        .group_by(CcerLot.project_number)
        .subquery("lots")
    )


def flag_columns(project: Any) -> dict[str, ColumnElement[bool]]:
    """PROJECT_FLAGS as conditions on a project row joined to the catalogue and verification.

    In the order "attention" tests them, the costly one last; "several entities" and "both
    years" only when the row has ``per_project``'s columns.
    """
    flags: dict[str, ColumnElement[bool]] = {
        "unknown": Project.project_number.is_(None),
        "ineligible": and_(Project.project_number.is_not(None), Project.eligible == false()),
        "not_verified": ProjectVerification.verified == false(),
    }
    if "counted" in project:
        flags["several_entities"] = project.counted > 1
        flags["both_years"] = project.both_years == 1
    flags["over_claimed"] = _over_claimed(project.project_number)
    return flags


def with_registry(query: Select[Any], project: Any) -> Select[Any]:
    """The query joined to the catalogue and the ministry's verification of each number."""
    return query.outerjoin(Project, Project.project_number == project.project_number).outerjoin(
        ProjectVerification, ProjectVerification.project_number == project.project_number
    )


def details(scope: Sequence[str] | None) -> Select[Any]:
    """Catalogue entry, verification, quantities and flags of these project numbers (or all)."""
    project = per_project(scope).c
    lots = _lot_totals(scope)
    flags = flag_columns(project)
    query = select(
        project.project_number,
        Project.project_name,
        Project.eligible,
        project.claimed,
        project.approved,
        lots.c.pending,
        lots.c.offset,
        ProjectVerification,
        *(func.coalesce(flags[name], False).label(name) for name in PROJECT_FLAGS),
    )
    query = with_registry(query, project)
    return query.outerjoin(lots, lots.c.project_number == project.project_number)
