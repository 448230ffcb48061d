"""The OpenAPI 3.1 document of /api/v1/, built by spectree from the routes and models.

Each view of ``intake.web.api`` is decorated with ``api_spec.validate(...)``: the models
it names validate the request and the answer, and are what the document publishes.
"""

from __future__ import annotations

from typing import Any

from spectree import SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData

from intake.forms.dates import MAX_ID
from intake.web.api_input import answer_checked, refuse_invalid
from intake.web.api_models import Error

API_PREFIX = "/api/v1"
# Ids have 1 to 18 digits (intake.web.converters): any other is 404.
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": min(10**18 - 1, MAX_ID)}

api_spec = SpecTree(
    "flask",
    mode="strict",  # only the views decorated here: the API, not the web pages
    title="intake API",
    version="1",
    description="Check CCER offset application forms and manage applications.",
    security_schemes=[
        SecurityScheme(
            name="bearer", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer")
        )
    ],
    security={"bearer": []},
    before=refuse_invalid,
    after=answer_checked,
    validation_error_model=Error,
    annotations=False,
    # Components named as the models are ("Report", "Error"), nested ones too.
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


def openapi_document(self_url: str) -> dict[str, Any]:
    """The document; ``servers`` holds the API's base path, relative to the host the
    document was read from (never a host taken from the request), and each path is
    written relative to it."""
    base = self_url.rsplit("/openapi.json", 1)[0]
    spec: dict[str, Any] = api_spec.spec
    paths = {
        path.removeprefix(API_PREFIX): _bounded_ids(operations)
        for path, operations in spec["paths"].items()
        if path.startswith(API_PREFIX + "/")
    }
    document = {**spec, "servers": [{"url": base}], "paths": paths}
    document.pop("tags", None)
    return document


def _bounded_ids(operations: dict[str, Any]) -> dict[str, Any]:
    """The path's ``application_id`` as the app's id converter bounds it (spectree writes
    Werkzeug's plain int32)."""
    out: dict[str, Any] = {}
    for method, operation in operations.items():
        parameters = [
            {**p, "schema": ID_SCHEMA} if p["in"] == "path" else p
            for p in operation.get("parameters", [])
        ]
        out[method] = {**operation, "parameters": parameters}
    return out
