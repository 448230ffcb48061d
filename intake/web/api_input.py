"""The API's input checked against the published OpenAPI schemas, answered in Chinese.

The request bodies and query parameters are validated by the very schema dicts that
``openapi.py`` publishes, so the document and the checks cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from intake.values import has_control_characters
from intake.web.openapi import MAX_ROWS, SCHEMAS

# Far above 30 rows of 200-character fields: a body beyond it is refused unread (413).
MAX_JSON_BYTES = 1024 * 1024
APPLICATION = Draft202012Validator(SCHEMAS["ApplicationInput"])
# Fields a client may send back as GET gave them, and the server ignores.
IGNORED = ("sources", "source_kind")

# Chinese explanation of each kind of schema violation; {field} names where it happened.
REASONS = {
    "type": "{field} 的类型不正确",
    "maxLength": "{field} 不能超过 {limit} 个字符",
    "maxItems": "{field} 最多 {limit} 行",
    "enum": "{field} 的值不在允许的范围内",
    "pattern": "{field} 含有不可见的控制字符，请删除后重新提交",
    "additionalProperties": "{field} 含有接口未定义的字段",
    "minimum": "{field} 的值过小",
    "maximum": "{field} 的值过大",
}
CONTROL = "{field} 含有不可见的控制字符，请删除后重新提交"


def application_problem(data: dict[str, Any]) -> str | None:
    """Why ``data`` is not an application JSON this API accepts (Chinese), or None."""
    rows = data.get("ccer_rows")
    if isinstance(rows, list) and len(rows) > MAX_ROWS:  # say so before checking each row
        return REASONS["maxItems"].format(field="ccer_rows", limit=MAX_ROWS)
    kept = {key: value for key, value in data.items() if key not in IGNORED}
    for path, text in _strings(kept):
        if has_control_characters(text):
            return CONTROL.format(field=path or "申请内容")
    error = next(iter(sorted(APPLICATION.iter_errors(data), key=_order)), None)
    return None if error is None else _reason(error)


def _order(error: ValidationError) -> tuple[int, str]:
    return (len(error.absolute_path), str(list(error.absolute_path)))


def _reason(error: ValidationError) -> str:
    # anyOf / oneOf: explain the branch that came closest.
    if error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    field = _path(error.absolute_path) or "申请内容"
    template = REASONS.get(str(error.validator), "{field} 的值无效")
    limit = error.validator_value if isinstance(error.validator_value, int) else ""
    return template.format(field=field, limit=limit)


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _strings(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every text value of a JSON document with its path (``ccer_rows[0].project_number``)."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, f"{path}[{index}]")
