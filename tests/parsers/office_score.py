"""Scoring the reading of the ``office_scans`` corpus against what its generator wrote.

Per file: every field of the contract's application compared with the truth
(17 scalars, then each CCER row's two cells, a missing or extra row counting
as wrong cells), the problem codes of a check against a registry holding the
form's own entity (advisory ``LOW_CONFIDENCE`` aside, as the shared scorer
does), and every wrong value whose confidence is at or above the threshold.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from intake.parsers import parse
from intake.parsers.ocrengine import ENGINE_SETTING
from intake.parsers.text import FileUnreadable, FormNotRecognized
from intake.registry.memory import Lot, MemoryRegistry
from intake.verify import LOW_CONFIDENCE, verify
from intake.verify.catalogue import FIELD_LABELS
from intake.verify.protocol import EntityRecord, ProjectRecord

# Every field of the form but the CCER table, in the form's order.
SCALARS = [name for name in FIELD_LABELS if name != "ccer_rows"]
ROW_KEYS = ["cancel_quantity_t", "project_number"]
ADVISORY = {"LOW_CONFIDENCE"}
# The modules whose code decides what OCR returns: a change to any of them is a new cache.
OCR_MODULES = [
    "ocr.py",
    "pagefind.py",
    "image.py",
    "seal.py",
    "grid.py",
    "ocrengine.py",
    "ocrcache.py",
]


@dataclass
class FileScore:
    """How one file was read."""

    path: Path
    kind: str
    right: int = 0
    total: int = 0
    codes_exact: bool = False
    codes: list[str] = field(default_factory=list)
    expected_codes: list[str] = field(default_factory=list)
    wrong: list[tuple[str, Any, Any, float | None]] = field(default_factory=list)
    # (confidence, right) of every value read from an image with a score.
    scored: list[tuple[float, bool]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def confident_wrong(self) -> list[tuple[str, Any, Any, float | None]]:
        """Wrong values read with a confidence at or above the LOW_CONFIDENCE threshold."""
        return [w for w in self.wrong if w[3] is None or w[3] >= LOW_CONFIDENCE]


def ocr_cache_dir(root: Path) -> Path:
    """An OCR cache folder keyed by the source of the OCR modules, so no stale result is read."""
    parsers = Path(__file__).resolve().parents[2] / "intake" / "parsers"
    digest = hashlib.sha256()
    for name in OCR_MODULES:
        digest.update((parsers / name).read_bytes())
    digest.update(os.environ.get(ENGINE_SETTING, "").encode())
    return root / f"ocr-{digest.hexdigest()[:12]}"


def registry_for(app: dict[str, Any]) -> MemoryRegistry:
    """A registry in which the generated application is entirely valid."""
    entity = EntityRecord(
        app["uscc"],
        app["entity_name"],
        app["declaration"]["province"],
        app["ccer_account_id"],
        app["ets_account_id"],
        True,
    )
    rows = app["ccer_rows"]
    return MemoryRegistry.of(
        entities=[entity],
        allocations=[(app["uscc"], app["year"], Decimal(app["due_allowance_t"]))],
        lots=[Lot(app["uscc"], r["project_number"], Decimal(r["cancel_quantity_t"])) for r in rows],
        projects=[ProjectRecord(r["project_number"], "项目", "风电", "河北省", True) for r in rows],
    )


def _dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _same(expected: Any, actual: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    try:
        return Decimal(str(expected)) == Decimal(str(actual))
    except (InvalidOperation, ValueError):
        return str(expected).strip() == str(actual).strip()


def score_file(path: Path, cache: Path | None) -> FileScore:
    """Read one corpus file and compare it with its truth."""
    meta = json.loads(path.with_suffix(".json").read_text("utf-8"))
    truth, score = meta["application"], FileScore(path, meta["kind"])
    score.expected_codes = sorted(meta["codes"])
    start = time.perf_counter()
    try:
        app = parse(path, ocr_cache=cache)
    except FormNotRecognized:
        score.codes, actual, sources = ["FORM_NOT_RECOGNIZED"], None, {}
    except FileUnreadable:
        score.codes, actual, sources = ["FILE_UNREADABLE"], None, {}
    else:
        problems = verify(app, registry_for(truth))
        score.codes = sorted(p.code for p in problems if p.code not in ADVISORY)
        actual, sources = app.to_json(), app.sources
    score.seconds = time.perf_counter() - start
    score.codes_exact = Counter(score.codes) == Counter(score.expected_codes)
    for key in SCALARS:
        _compare(score, key, _dig(truth, key), _dig(actual, key), sources)
    read_rows = (actual or {}).get("ccer_rows") or []
    for i in range(max(len(truth["ccer_rows"]), len(read_rows))):
        want = truth["ccer_rows"][i] if i < len(truth["ccer_rows"]) else {}
        got = read_rows[i] if i < len(read_rows) else {}
        for key in ROW_KEYS:
            _compare(score, f"ccer_rows[{i}].{key}", want.get(key), got.get(key), sources)
    return score


def _compare(score: FileScore, path: str, want: Any, got: Any, sources: dict[str, Any]) -> None:
    score.total += 1
    source = sources.get(path)
    confidence = getattr(source, "confidence", None) if source is not None else None
    if got is not None and confidence is not None:
        score.scored.append((confidence, _same(want, got)))
    if _same(want, got):
        score.right += 1
        return
    if got is None:
        # A blank is reported as FIELD_MISSING: the reviewer is told, it is never silent.
        confidence = 0.0
    score.wrong.append((path, want, got, confidence))


def table(scores: list[FileScore]) -> str:
    """The per-kind table: fields right, exact codes, confident wrong values, time per file."""
    kinds: dict[str, list[FileScore]] = {}
    for s in scores:
        kinds.setdefault(s.kind, []).append(s)
    lines = [
        "| kind | files | fields right | exact codes | wrong ≥ 0.80 | s per file |",
        "|---|---|---|---|---|---|",
    ]
    for kind, group in [*kinds.items(), ("all", scores)]:
        right, total = sum(s.right for s in group), sum(s.total for s in group)
        exact = sum(s.codes_exact for s in group)
        confident = sum(len(s.confident_wrong) for s in group)
        seconds = sum(s.seconds for s in group) / len(group)
        lines.append(
            f"| {kind} | {len(group)} | {right}/{total} ({100 * right / total:.1f} %) "
            f"| {exact}/{len(group)} | {confident} | {seconds:.1f} |"
        )
    return "\n".join(lines)


def details(scores: list[FileScore]) -> str:
    """One line per wrong value or wrong code list."""
    out = []
    for s in scores:
        if not s.codes_exact:
            out.append(f"{s.path.name}: codes {s.codes} expected {s.expected_codes}")
        for path, want, got, confidence in s.wrong:
            out.append(f"{s.path.name}: {path} {want!r} read {got!r} ({confidence})")
    return "\n".join(out)


def calibration(scores: list[FileScore]) -> str:
    """Share of right values per band of confidence (values read, blanks aside)."""
    bands = [(0.0, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 0.97), (0.97, 1.01)]
    lines = ["| confidence | values | right | wrong |", "|---|---|---|---|"]
    values = [v for s in scores for v in s.scored]
    for low, high in bands:
        band = [ok for c, ok in values if low <= c < high]
        right = sum(band)
        label = f"{low:.2f}–{min(high, 1.0):.2f}"
        share = f"{100 * right / len(band):.1f} %" if band else "—"
        lines.append(f"| {label} | {len(band)} | {share} | {len(band) - right} |")
    return "\n".join(lines)
