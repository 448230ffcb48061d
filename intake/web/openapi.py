"""The OpenAPI 3 document of /api/v1/, written by hand to match intake.web.api."""

from __future__ import annotations

from typing import Any

from intake.config import load_settings

MAX_TEXT = 200  # the online form's limit on every text field
MAX_ROWS = 30  # the online form's limit on CCER rows
MAX_PAGE_SIZE = 100
# No control or XML-invalid character (tab and line breaks are allowed).
NO_CONTROL = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
TEXT: dict[str, Any] = {"type": ["string", "null"]}
QUANTITY = {**TEXT, "description": "plain decimal as written, or the invalid text"}
# What a client may send: the same fields, bounded as the online form bounds them.
TEXT_IN: dict[str, Any] = {**TEXT, "maxLength": MAX_TEXT, "pattern": NO_CONTROL}
QUANTITY_IN = {**QUANTITY, **TEXT_IN}
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _application(*, strict: bool) -> dict[str, Any]:
    """The application JSON: as a client may send it (``strict``: bounded as the online
    form bounds it, no unknown field), or as stored and shown (read from a file)."""
    text, quantity = (TEXT_IN, QUANTITY_IN) if strict else (TEXT, QUANTITY)
    year: dict[str, Any] = {"type": ["integer", "null"]}
    declared_year: dict[str, Any] = {"type": ["integer", "string", "null"]}
    rows: dict[str, Any] = {}
    ignored: dict[str, Any] = {}
    if strict:
        # The years of the cycles configured for the process (INTAKE_CYCLES).
        year["enum"] = [*load_settings().cycles.years, None]
        declared_year = {
            "anyOf": [
                {"type": "integer", "minimum": 2000, "maximum": 2100},
                {**TEXT_IN, "maxLength": 20},
            ]
        }
        rows["maxItems"] = MAX_ROWS
        # What GET returns with its sources may be sent back; the server ignores it.
        ignored = {
            "sources": {"type": "object", "description": "ignored"},
            "source_kind": {"type": ["string", "null"], "description": "ignored"},
        }
    row = {"cancel_quantity_t": quantity, "project_number": text}
    declaration = {
        "province": text,
        "offset_t": quantity,
        "ratio_pct": quantity,
        "year": declared_year,
    }
    return _object(strict, {
        "year": year,
        **{name: text for name in ("entity_name", "uscc", "ccer_account_id", "ets_account_id",
                                    "contact_name", "contact_phone", "contact_email")},
        **{name: quantity for name in ("due_allowance_t", "offset_requested_t",
                                        "offset_ratio_pct")},
        "ccer_rows": {"type": "array", **rows, "items": _object(strict, row)},
        "declaration": _object(strict, declaration, nullable=strict),
        "signed_date": {**text, "description": "ISO date or the text written"},
        "stamp_present": {"type": ["boolean", "null"]},
        **ignored,
    })  # fmt: skip


def _object(strict: bool, properties: dict[str, Any], nullable: bool = False) -> dict[str, Any]:
    """An object of these properties; ``strict``: no other property."""
    out: dict[str, Any] = {
        "type": ["object", "null"] if nullable else "object",
        "properties": properties,
    }
    if strict:
        out["additionalProperties"] = False
    return out


ERRORS = {
    "401": _json(_ref("Error"), "missing, unknown, expired or revoked token"),
    "403": _json(_ref("Error"), "the token's user is not an enterprise user"),
    "404": _json(_ref("Error"), "no such application of the user's entity"),
    "413": _json(_ref("Error"), "file over the upload limit, or application JSON over 1 MB"),
}
# A state change the application's state does not allow, with the reason in Chinese.
REFUSED = {"409": _json(_ref("Error"), "refused in the application's current state")}
FILE_BODY = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }
    }
}
NEW_VERSION_BODY = {
    "required": True,
    "content": {**FILE_BODY, "application/json": {"schema": _ref("ApplicationInput")}},
}
# Ids have at most 18 digits (intake.web.converters): larger ones are 404.
APPLICATION_ID = {
    "name": "application_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
}
BAD_REQUEST = {"400": _json(_ref("Error"), "no file, or a query parameter unknown or out of range")}
# Application JSON that breaks the ApplicationInput schema, with the field and reason in Chinese.
UNPROCESSABLE = {"422": _json(_ref("Error"), "application JSON not matching ApplicationInput")}


def _whole(name: str, most: int, description: str) -> dict[str, Any]:
    """A whole-number query parameter between 1 and ``most``."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "integer", "minimum": 1, "maximum": most},
    }


PAGE_PARAMETERS = [
    _whole("page", 1_000_000, "page number, from 1"),
    _whole("per_page", MAX_PAGE_SIZE, f"applications a page (default and most {MAX_PAGE_SIZE})"),
]  # fmt: skip

SCHEMAS: dict[str, Any] = {
    "Application": {**_application(strict=False), "description": "as read or as sent"},
    "ApplicationInput": _application(strict=True),
    "Problem": {
        "type": "object",
        "required": ["code", "severity", "field", "message"],
        "properties": {
            "code": {"type": "string"},
            "severity": {"type": "string", "enum": ["error", "warning"]},
            "field": TEXT,
            "message": {"type": "string"},
            "expected": {**TEXT, "description": "null where it would reveal another entity's data"},
            "actual": TEXT,
        },
    },
    "Report": {
        "type": "object",
        "required": ["file", "application", "problems", "ok"],
        "properties": {
            "file": TEXT,
            "application": {"oneOf": [_ref("Application"), {"type": "null"}]},
            "problems": {"type": "array", "items": _ref("Problem")},
            "ok": {"type": "boolean"},
        },
    },
    "Version": {
        "type": "object",
        "properties": {
            "application_id": {"type": "integer"},
            "version": {"type": "integer"},
            "state": {"type": "string", "enum": ["pending", "running", "done", "failed"]},
            "file": TEXT,
            "created_at": {"type": "string", "format": "date-time"},
            "report_url": {"type": "string"},
            "report": _ref("Report"),
        },
    },
    "ApplicationSummary": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "uscc": {"type": "string"},
            "year": {"type": ["integer", "null"]},
            "state": {
                "type": "string",
                "enum": ["draft", "submitted", "approved", "rejected", "withdrawn", "discarded"],
            },
            "submitted_version": {"type": ["integer", "null"]},
            "versions": {"type": "array", "items": _ref("Version")},
            "application": {"oneOf": [_ref("Application"), {"type": "null"}]},
        },
    },
    "Pending": {"type": "object", "properties": {"state": {"type": "string"}}},
    "Error": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "status": {"type": "integer"},
                    "title": {"type": "string"},
                    "message": {"type": "string"},
                },
            }
        },
    },
}

PATHS: dict[str, Any] = {
    "/check": {"post": {
        "summary": "Check one file (not stored)", "operationId": "checkFile", "security": SECURITY,
        "requestBody": {"required": True, "content": FILE_BODY},
        "responses": {"200": _json(_ref("Report"), "the report"), **BAD_REQUEST, **ERRORS},
    }},
    "/applications": {
        "get": {"summary": "The entity's applications", "operationId": "listApplications",
                "security": SECURITY, "parameters": PAGE_PARAMETERS,
                "responses": {"200": _json({
                    "type": "object", "required": ["applications"],
                    "properties": {
                        "applications": {"type": "array", "items": _ref("ApplicationSummary"),
                                         "maxItems": MAX_PAGE_SIZE},
                        "next": {"type": "string", "description": "next page; absent on the last"},
                    }}, "one page of the list, oldest first"), **BAD_REQUEST, **ERRORS}},
        "post": {"summary": "Create an application from a file or application JSON",
                 "operationId": "createApplication", "security": SECURITY,
                 "requestBody": NEW_VERSION_BODY,
                 "responses": {"201": _json(_ref("Version"), "created and checked"),
                               "202": _json(_ref("Version"), "created; the check runs"),
                               "400": _json(_ref("Error"), "no file and no JSON object"),
                               **UNPROCESSABLE, **ERRORS, **REFUSED}},
    },
    "/applications/{application_id}": {
        "get": {"summary": "Read an application", "operationId": "readApplication",
                "security": SECURITY, "parameters": [APPLICATION_ID],
                "responses": {"200": _json(_ref("ApplicationSummary"), "the application"),
                              **ERRORS}},
        "delete": {"summary": "Delete a draft never submitted", "operationId": "discard",
                   "security": SECURITY, "parameters": [APPLICATION_ID],
                   "responses": {"204": {"description": "deleted (kept in the log)"},
                                 **ERRORS, **REFUSED}},
    },
    "/applications/{application_id}/copy": {"post": {
        "summary": "Attach the stamped copy of an application typed online",
        "operationId": "attachCopy", "security": SECURITY, "parameters": [APPLICATION_ID],
        "requestBody": {"required": True, "content": FILE_BODY},
        "responses": {"202": _json(_ref("Version"), "attached; the check runs"),
                      **BAD_REQUEST, **ERRORS, **REFUSED},
    }},
    "/applications/{application_id}/submit": {"post": {
        "summary": "Submit the latest version for review", "operationId": "submit",
        "security": SECURITY, "parameters": [APPLICATION_ID],
        "responses": {"200": _json(_ref("ApplicationSummary"), "submitted"), **ERRORS, **REFUSED},
    }},
    "/applications/{application_id}/withdraw": {"post": {
        "summary": "Withdraw a submitted application before the decision",
        "operationId": "withdraw", "security": SECURITY, "parameters": [APPLICATION_ID],
        "responses": {"200": _json(_ref("ApplicationSummary"), "withdrawn"), **ERRORS, **REFUSED},
    }},
    "/applications/{application_id}/versions": {"post": {
        "summary": "Add a corrected version", "operationId": "addVersion", "security": SECURITY,
        "parameters": [APPLICATION_ID], "requestBody": NEW_VERSION_BODY,
        "responses": {"201": _json(_ref("Version"), "added and checked"),
                      "202": _json(_ref("Version"), "added; the check runs"),
                      **BAD_REQUEST, **UNPROCESSABLE, **ERRORS, **REFUSED},
    }},
    "/applications/{application_id}/report": {"get": {
        "summary": "The report of the latest (or a given) version", "operationId": "getReport",
        "security": SECURITY,
        "parameters": [APPLICATION_ID, _whole("version", 2**63 - 1, "a version number")],
        "responses": {"200": _json(_ref("Report"), "the report"),
                      "202": _json(_ref("Pending"), "the check still runs"), **BAD_REQUEST,
                      **ERRORS},
    }},
    "/openapi.json": {"get": {
        "summary": "This document", "operationId": "openapi", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1 document"}},
    }},
}  # fmt: skip


def openapi_document(self_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document; servers hold the API's base path, relative to the host the
    document was read from (never a host taken from the request)."""
    base = self_url.rsplit("/openapi.json", 1)[0]
    return {
        "openapi": "3.1.0",
        "info": {"title": "intake API", "version": "1",
                 "description": "Check CCER offset application forms and manage applications."},
        "servers": [{"url": base}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }  # fmt: skip
