"""The models of /api/v1/: what a client may send and what it gets back.

They are pydantic models; spectree validates requests (and the JSON answers) with them
and builds the published OpenAPI document from them, so the document and the checks are
one thing. What a client may send is bounded as the online form bounds it (200 characters
a text field, 30 CCER rows, the years of the compliance cycles, no control character); what is shown
is the contract's JSON (shared/contract): quantities stay strings, exactly as written.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError
from spectree.model_adapter.pydantic_adapter import BaseFile

from intake.config import load_settings
from intake.forms.application import MAX_ROWS
from intake.forms.dates import MAX_ID
from intake.review.submissions.models import CheckState, SubmissionState
from intake.values import has_control_characters
from intake.web.paging import MAX_PAGE

MAX_TEXT = 200  # the online form's Length(max=200) on every text field
MAX_PAGE_SIZE = 100
# The characters has_control_characters refuses (tab and line breaks are allowed), as
# the published pattern; the check itself is that function, the one the web forms use.
# Lone surrogates (a JSON escape of half a character) are refused too, but left out of
# the pattern: no regular expression engine but Python's can write them.
NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]*$"
CONTROL_ERROR = "control_characters"


def _no_control(text: str) -> str:
    if has_control_characters(text):
        raise PydanticCustomError(CONTROL_ERROR, "control or XML-invalid character")
    return text


def _digits(most: int) -> BeforeValidator:
    """A query parameter written as 1 to len(str(most)) ASCII digits, nothing else."""

    def check(value: Any) -> Any:
        if not (
            isinstance(value, str)
            and value.isascii()
            and value.isdigit()
            and len(value) <= len(str(most))
        ):
            raise PydanticCustomError("whole_number", "not a whole number")
        return value

    return BeforeValidator(check)


Text = Annotated[
    str,
    Field(max_length=MAX_TEXT, json_schema_extra={"pattern": NO_CONTROL}),
    AfterValidator(_no_control),
]
Quantity = Annotated[Text, Field(description="plain decimal as written, or the text written")]
ShownQuantity = Annotated[str, Field(description="plain decimal as written, or the text written")]
# The years of the cycles configured for the process (INTAKE_CYCLES), read once at start.
YEARS = load_settings().cycles.years


def _known_year(year: int) -> int:
    if year not in YEARS:
        raise PydanticCustomError("enum", "not a year of the compliance cycles")
    return year


Year = Annotated[int, Field(json_schema_extra={"enum": list(YEARS)}), AfterValidator(_known_year)]


class _Input(BaseModel):
    """What a client sends: exact JSON types (no coercion), no field the API does not know."""

    model_config = ConfigDict(extra="forbid", strict=True)


class CcerRowInput(_Input):
    cancel_quantity_t: Quantity | None = None
    project_number: Text | None = None


class DeclarationInput(_Input):
    province: Text | None = None
    offset_t: Quantity | None = None
    ratio_pct: Quantity | None = None
    year: Annotated[int, Field(ge=2000, le=2100)] | Annotated[Text, Field(max_length=20)] | None = (
        None
    )


class ApplicationInput(_Input):
    """The application JSON as a client may send it (POST and new versions)."""

    year: Year | None = None
    entity_name: Text | None = None
    uscc: Text | None = None
    ccer_account_id: Text | None = None
    ets_account_id: Text | None = None
    due_allowance_t: Quantity | None = None
    offset_requested_t: Quantity | None = None
    offset_ratio_pct: Quantity | None = None
    contact_name: Text | None = None
    contact_phone: Text | None = None
    contact_email: Text | None = None
    ccer_rows: Annotated[list[CcerRowInput], Field(max_length=MAX_ROWS)] = []
    declaration: DeclarationInput | None = None
    signed_date: Annotated[Text | None, Field(description="ISO date or the text written")] = None
    stamp_present: bool | None = None
    # What GET gives back with its sources may be sent back; the server ignores them.
    sources: Annotated[dict[str, Any], Field(description="ignored")] = {}
    source_kind: Annotated[str | None, Field(description="ignored")] = None


# Fields of ApplicationInput the server ignores: GET gives them, a client may send them back.
IGNORED = ("sources", "source_kind")


# The most each whole-number query parameter may be (the least is 1).
MOST = {"page": MAX_PAGE, "per_page": MAX_PAGE_SIZE, "version": MAX_ID}
Page = Annotated[int, Field(ge=1, le=MOST["page"]), _digits(MOST["page"])]
PerPage = Annotated[int, Field(ge=1, le=MOST["per_page"]), _digits(MOST["per_page"])]
VersionNumber = Annotated[int, Field(ge=1, le=MOST["version"]), _digits(MOST["version"])]


class PageQuery(_Input):
    """``GET /applications``: which page, how many a page."""

    model_config = ConfigDict(extra="forbid", strict=False)

    page: Page = Field(1, description="from 1")
    per_page: PerPage = Field(MAX_PAGE_SIZE, description=f"default and most {MAX_PAGE_SIZE}")


class ReportQuery(_Input):
    """``GET /applications/{id}/report``: which version (the latest if absent)."""

    model_config = ConfigDict(extra="forbid", strict=False)

    version: VersionNumber | SkipJsonSchema[None] = Field(
        None, description="a version number; the latest if absent"
    )


class Upload(BaseModel):
    """A multipart body with one file."""

    file: BaseFile


# What the API answers.


class CcerRow(BaseModel):
    cancel_quantity_t: ShownQuantity | None
    project_number: str | None


class Declaration(BaseModel):
    province: str | None
    offset_t: ShownQuantity | None
    ratio_pct: ShownQuantity | None
    year: int | str | None


class Application(BaseModel):
    """The contract's application JSON, as read from a file or as sent."""

    year: int | None
    entity_name: str | None
    uscc: str | None
    ccer_account_id: str | None
    ets_account_id: str | None
    due_allowance_t: ShownQuantity | None
    offset_requested_t: ShownQuantity | None
    offset_ratio_pct: ShownQuantity | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    ccer_rows: list[CcerRow]
    declaration: Declaration
    signed_date: Annotated[str | None, Field(description="ISO date or the text written")]
    stamp_present: bool | None
    sources: Annotated[dict[str, Any], Field(description="where each field was read")] = {}
    source_kind: str | None = None


class Problem(BaseModel):
    code: str
    severity: Literal["error", "warning"]
    field: str | None
    message: str
    expected: Annotated[
        str | None, Field(description="null where it would reveal another entity's data")
    ] = None
    actual: str | None = None


class Report(BaseModel):
    """The contract's report JSON."""

    file: str | None
    application: Application | None
    problems: list[Problem]
    ok: bool


class Version(BaseModel):
    application_id: int
    version: int
    state: CheckState
    file: str | None
    created_at: AwareDatetime
    report_url: str
    report: Report | None = None


class ApplicationSummary(BaseModel):
    id: int
    uscc: str
    year: int | None
    state: SubmissionState
    submitted_version: int | None
    versions: list[Version]


class ApplicationDetail(ApplicationSummary):
    """An application with its latest version's application JSON."""

    application: Application | None


class ApplicationPage(BaseModel):
    """One page of the list, oldest first."""

    applications: Annotated[list[ApplicationSummary], Field(max_length=MAX_PAGE_SIZE)]
    next: Annotated[str | None, Field(description="the next page; absent on the last")] = None


class Pending(BaseModel):
    """A check that has not finished (or, with ``error``, that failed)."""

    state: CheckState
    error: str | None = None


class ErrorDetail(BaseModel):
    status: int
    title: str
    message: str


class Error(BaseModel):
    """Every refusal: the status, its Chinese title and the reason in Chinese."""

    error: ErrorDetail


class Document(RootModel[dict[str, Any]]):
    """An OpenAPI 3.1 document (this one)."""
