"""What bounds an OCR reading: a per-file time budget, and a disk cache keyed by the file's bytes.

A cached result is looked up by the SHA-256 of the file's bytes, so the same
upload is never read twice; a damaged or unreadable entry counts as a miss.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from intake.application import Source
from intake.parsers.text import Cell, FileUnreadable, FormText

# Bumped whenever the reader's output for the same bytes changes: ocr-3 pads each line crop
# by its own width and leaves the 声明's printed promise out.
CACHE_VERSION = "ocr-3"


class Deadline:
    """A per-file time budget; ``check`` raises FileUnreadable once it is spent."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        """Raise when the budget is spent."""
        if time.monotonic() > self.end:
            raise FileUnreadable(
                f"识别超时（超过 {self.seconds:g} 秒），请上传更清晰或页数更少的文件"
            )


def cache_load(cache_dir: Path | None, path: Path, key: str) -> list[FormText] | None:
    """The cached FormTexts of this file, or None (no cache, miss, or unreadable entry)."""
    if cache_dir is None:
        return None
    try:
        data = json.loads(_cache_file(cache_dir, path, key).read_text(encoding="utf-8"))
        return [_form_from_json(item) for item in data]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cache_put(cache_dir: Path | None, path: Path, key: str, forms: list[FormText]) -> None:
    """Keep the FormTexts for the next read of the same bytes (best effort)."""
    if cache_dir is None:
        return
    target = _cache_file(cache_dir, path, key)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        temp = target.with_suffix(".tmp")
        temp.write_text(json.dumps([_form_to_json(f) for f in forms], ensure_ascii=False), "utf-8")
        temp.replace(target)
    except OSError:
        return


def _cache_file(cache_dir: Path, path: Path, key: str) -> Path:
    """Where the OCR result of this file's exact bytes is kept."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return cache_dir / f"{digest}-{CACHE_VERSION}-{key}.json"


def _form_to_json(form: FormText) -> dict[str, Any]:
    def cell(c: Cell) -> dict[str, Any]:
        return {"text": c.text, "source": c.source.to_json()}

    return {
        "kind": form.kind,
        "stamp_present": form.stamp_present,
        "rows": [[cell(c) for c in row] for row in form.rows],
        "lines": [cell(c) for c in form.lines],
    }


def _form_from_json(data: dict[str, Any]) -> FormText:
    def cell(d: dict[str, Any]) -> Cell:
        return Cell(text=str(d["text"]), source=Source.from_json(d["source"]))

    return FormText(
        kind=str(data["kind"]),
        rows=[[cell(c) for c in row] for row in data["rows"]],
        lines=[cell(c) for c in data["lines"]],
        stamp_present=data["stamp_present"],
    )
