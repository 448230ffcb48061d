"""The OpenAPI 3 document of /api/v1/, written by hand to match intake.web.api."""

from __future__ import annotations

from typing import Any

QUANTITY = {
    "type": ["string", "null"],
    "description": "plain decimal as written, or the invalid text",
}
TEXT = {"type": ["string", "null"]}
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": _json(_ref("Error"), "missing, unknown, expired or revoked token"),
    "403": _json(_ref("Error"), "the token's user is not an enterprise user"),
    "404": _json(_ref("Error"), "no such application of the user's entity"),
    "413": _json(_ref("Error"), "file larger than the upload limit"),
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
    "content": {**FILE_BODY, "application/json": {"schema": _ref("Application")}},
}
APPLICATION_ID = {"name": "application_id", "in": "path", "required": True,
                  "schema": {"type": "integer"}}  # fmt: skip

SCHEMAS: dict[str, Any] = {
    "Application": {
        "type": "object",
        "properties": {
            "year": {"type": ["integer", "null"], "enum": [2021, 2022, None]},
            "entity_name": TEXT,
            "uscc": TEXT,
            "ccer_account_id": TEXT,
            "ets_account_id": TEXT,
            "due_allowance_t": QUANTITY,
            "offset_requested_t": QUANTITY,
            "offset_ratio_pct": QUANTITY,
            "contact_name": TEXT,
            "contact_phone": TEXT,
            "contact_email": TEXT,
            "ccer_rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"cancel_quantity_t": QUANTITY, "project_number": TEXT},
                },
            },
            "declaration": {
                "type": "object",
                "properties": {
                    "province": TEXT,
                    "offset_t": QUANTITY,
                    "ratio_pct": QUANTITY,
                    "year": {"type": ["integer", "string", "null"]},
                },
            },
            "signed_date": {
                "type": ["string", "null"],
                "description": "ISO date or the text written",
            },
            "stamp_present": {"type": ["boolean", "null"]},
        },
    },
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
        "responses": {"200": _json(_ref("Report"), "the report"), **ERRORS},
    }},
    "/applications": {
        "get": {"summary": "The entity's applications", "operationId": "listApplications",
                "security": SECURITY,
                "responses": {"200": _json({"type": "object", "properties": {"applications": {
                    "type": "array", "items": _ref("ApplicationSummary")}}}, "the list"),
                    **ERRORS}},
        "post": {"summary": "Create an application from a file or application JSON",
                 "operationId": "createApplication", "security": SECURITY,
                 "requestBody": NEW_VERSION_BODY,
                 "responses": {"201": _json(_ref("Version"), "created and checked"),
                               "202": _json(_ref("Version"), "created; the check runs"),
                               "400": _json(_ref("Error"), "no file and no JSON object"),
                               **ERRORS}},
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
                      **ERRORS, **REFUSED},
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
                      **ERRORS, **REFUSED},
    }},
    "/applications/{application_id}/report": {"get": {
        "summary": "The report of the latest (or a given) version", "operationId": "getReport",
        "security": SECURITY,
        "parameters": [APPLICATION_ID, {"name": "version", "in": "query", "required": False,
                                        "schema": {"type": "integer"}}],
        "responses": {"200": _json(_ref("Report"), "the report"),
                      "202": _json(_ref("Pending"), "the check still runs"), **ERRORS},
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
