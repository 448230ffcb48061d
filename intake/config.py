"""Configuration: defaults here, then the instance config, then INTAKE_* environment variables."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from intake.cycles import Cycles, load_cycles

PREFIX = "INTAKE_"
# The OCR confidence below which a value read from a scan is flagged for a person to check.
LOW_CONFIDENCE = 0.80
# Settings read from an environment variable not named after them.
ENVIRONMENT_NAMES = {"cycles_file": "CYCLES"}
# "Not configured": the value comes from the compliance cycles (``intake.cycles``).
FROM_CYCLES = dt.date.min
UNSET = (FROM_CYCLES, -1)
# Settings that default to the latest cycle's value and, when set, replace every cycle's.
FROM_CYCLES_FIELDS = {
    "deadline": "deadline",
    "compliance_period_end": "period_end",
    "recall_working_days": "recall_working_days",
}


def default_instance_path() -> Path:
    """Where the SQLite database and stored uploads live unless configured."""
    return Path(os.environ.get(PREFIX + "INSTANCE_PATH") or Path.cwd() / "instance")


@dataclass(frozen=True)
class Settings:
    """Typed settings; each field can be set as INTAKE_<FIELD NAME IN CAPITALS>."""

    instance_path: Path = field(default_factory=default_instance_path)
    database_url: str = ""
    # INTAKE_CYCLES: a TOML or JSON file adding compliance cycles to the built-in ones.
    cycles_file: Path | None = None
    # Set, the application deadline of every cycle; by default each cycle's own, and
    # this field holds the latest cycle's (the one pages count the days to).
    deadline: dt.date = FROM_CYCLES
    # "Today" for every page and check that counts days (None: the real date in Beijing);
    # read only through ``intake.clock.today``.
    today: dt.date | None = None
    # The recall's compliance period end and working days: by default the latest cycle's;
    # set, they replace every cycle's.
    compliance_period_end: dt.date = FROM_CYCLES
    recall_working_days: int = -1
    max_upload_mb: int = 20
    parse_timeout_s: int = 120
    parse_memory_mb: int = 2048
    parse_text_memory_mb: int = 768  # .docx and PDF text layers; OCR and .doc get parse_memory_mb
    parse_workers: int = 2  # parser processes per server process
    parse_worker_files: int = 100  # files a parser process reads before it is replaced
    ocr_low_confidence: float = LOW_CONFIDENCE
    redis_url: str = ""
    # The RQ queue of the background checks (``intake worker`` takes its jobs from it).
    rq_queue: str = "intake"
    # A running check that has shown no sign of life for this long is taken over.
    check_stale_s: float = 60.0
    smtp_host: str = ""
    smtp_port: int = 25
    mail_from: str = "intake@localhost"
    secret_key: str = ""
    # A login session ends after this long without a request, and this long after login.
    session_idle_minutes: int = 8 * 60
    session_lifetime_hours: int = 12
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (0: none).
    trusted_proxies: int = 0
    # API tokens: the validity offered by default, and the longest one allowed.
    api_token_days: int = 90
    api_token_max_days: int = 365
    # The cycles in force: the built-in ones, the file's, and the dates set above.
    cycles: Cycles = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        given = {name: getattr(self, name) for name in FROM_CYCLES_FIELDS}
        cycles = load_cycles(self.cycles_file)
        changes = {
            cycle_field: given[name]
            for name, cycle_field in FROM_CYCLES_FIELDS.items()
            if given[name] not in UNSET
        }
        cycles = cycles.replacing(**changes) if changes else cycles
        # A frozen dataclass: the derived values are set once, here; ``as_config`` keeps
        # what was given, so that settings rebuilt from it derive the same way.
        object.__setattr__(self, "cycles", cycles)
        object.__setattr__(self, "_given", given)
        for name, cycle_field in FROM_CYCLES_FIELDS.items():
            object.__setattr__(self, name, getattr(cycles.last, cycle_field))

    def as_config(self) -> dict[str, Any]:
        """Keyword arguments that rebuild these settings (the cycles' values as given)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.init}
        values.update(getattr(self, "_given", {}))
        return values

    @property
    def resolved_database_url(self) -> str:
        """The database URL, an SQLite file in the instance folder by default."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_path / 'intake.sqlite3'}"


def _convert(kind: Any, raw: str) -> Any:
    if kind in (Path, "Path", "Path | None"):
        return Path(raw)
    if kind in (dt.date, "dt.date", "dt.date | None"):
        return dt.date.fromisoformat(raw)
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    return raw


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings from the environment (INTAKE_*), then explicit overrides (lower-case names)."""
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if not f.init:
            continue
        raw = os.environ.get(PREFIX + ENVIRONMENT_NAMES.get(f.name, f.name.upper()))
        if raw not in (None, ""):
            values[f.name] = _convert(f.type, raw)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key.lower()] = value
    return Settings(**values)
