"""Configuration: defaults here, then the instance config, then INTAKE_* environment variables."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PREFIX = "INTAKE_"


def default_instance_path() -> Path:
    """Where the SQLite database and stored uploads live unless configured."""
    return Path(os.environ.get(PREFIX + "INSTANCE_PATH") or Path.cwd() / "instance")


@dataclass(frozen=True)
class Settings:
    """Typed settings; each field can be set as INTAKE_<FIELD NAME IN CAPITALS>."""

    instance_path: Path = field(default_factory=default_instance_path)
    database_url: str = ""
    deadline: dt.date = dt.date(2023, 12, 15)
    # "Today" for every page and check that counts days (None: the real date in Beijing);
    # read only through ``intake.clock.today``.
    today: dt.date | None = None
    # The compliance periods' ends, by year of the form (both end 2023-12-31).
    compliance_period_end: dt.date = dt.date(2023, 12, 31)
    recall_working_days: int = 15
    max_upload_mb: int = 20
    parse_timeout_s: int = 120
    parse_memory_mb: int = 2048
    parse_text_memory_mb: int = 768  # .docx and PDF text layers; OCR and .doc get parse_memory_mb
    parse_workers: int = 2  # parser processes per server process
    parse_worker_files: int = 100  # files a parser process reads before it is replaced
    ocr_low_confidence: float = 0.80
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

    @property
    def resolved_database_url(self) -> str:
        """The database URL, an SQLite file in the instance folder by default."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_path / 'intake.sqlite3'}"


def _convert(kind: Any, raw: str) -> Any:
    if kind in (Path, "Path"):
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
        raw = os.environ.get(PREFIX + f.name.upper())
        if raw not in (None, ""):
            values[f.name] = _convert(f.type, raw)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key.lower()] = value
    return Settings(**values)
