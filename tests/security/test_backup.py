"""Backup and restore: a round trip between SQLite and PostgreSQL keeps every row and file."""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import Engine, select

from intake.backup import (
    BackupError,
    backup,
    backup_command,
    encode,
    restore,
    restore_command,
    tables,
)
from intake.db import make_engine
from intake.storage import Storage
from intake.web.database import engine as app_engine
from intake.web.database import storage as app_storage
from tests.fixtures.data import FORMS
from tests.fixtures.database import postgres_schema_url
from tests.fixtures.web import login


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, encoded (so Decimal 1.50 and 1.5 stay distinct)."""
    out = {}
    with engine.connect() as connection:
        for table in tables():
            order = list(table.primary_key.columns)
            rows = connection.execute(select(table).order_by(*order)).mappings()
            out[table.name] = [{k: _plain(encode(v)) for k, v in row.items()} for row in rows]
    return out


def _plain(value: Any) -> Any:
    """Datetimes compared as instants: SQLite drops the zone PostgreSQL keeps."""
    if isinstance(value, dict) and "$datetime" in value:
        return value["$datetime"][:19]
    return value


@pytest.fixture
def other_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the other kind."""
    if db_url.startswith("sqlite"):
        yield from postgres_schema_url()
    else:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"


def _fill(app: Flask) -> None:
    """Demo registry and users, two uploads (one submitted), an online form, an API token
    and login sessions (one ended)."""
    client = app.test_client()
    login(client)
    assert client.post("/account/tokens", data={"label": "备份", "days": "30"}).status_code == 200
    ended = app.test_client()
    login(ended, "demo-province")
    ended.post("/logout")
    for name in ("v01.docx", "v03.docx"):
        data = (FORMS / name).read_bytes()
        response = client.post(
            "/upload", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
        )
        assert response.status_code == 302
    found = re.search(r"/applications/(\d+)/", response.headers["Location"])
    assert found is not None
    client.post(f"/registrations/applications/{found.group(1)}/submit", data={})


def test_round_trip_to_the_other_database_kind(app: Flask, other_url: str, tmp_path: Path) -> None:
    _fill(app)
    source, store = app_engine(app), app_storage(app)
    archive = tmp_path / "backup.tar.gz"
    manifest = backup(source, store, archive)
    assert manifest["tables"]["submissions"] == 2
    assert manifest["tables"]["api_tokens"] == 1
    assert manifest["tables"]["login_sessions"] == 2
    assert len(manifest["files"]) == 2
    target = make_engine(other_url)
    restored_store = Storage(tmp_path / "restored-uploads")
    try:
        restore(target, restored_store, archive)
        assert snapshot(target) == snapshot(source)
        for digest in manifest["files"]:
            assert restored_store.read(digest) == store.read(digest)
        with pytest.raises(BackupError, match="不是空的"):
            restore(target, restored_store, archive)
        # Ids continue after the restored ones (PostgreSQL sequences were reset).
        with target.begin() as connection:
            table = next(t for t in tables() if t.name == "submissions")
            connection.execute(table.insert().values(uscc="91659001MAL8YR44XK", state="draft"))
            ids = list(connection.scalars(select(table.c.id).order_by(table.c.id)))
        assert ids[-1] == ids[-2] + 1
    finally:
        target.dispose()


def test_backup_holds_json_lines_a_manifest_and_the_files(app: Flask, tmp_path: Path) -> None:
    _fill(app)
    archive = tmp_path / "b.tar.gz"
    backup(app_engine(app), app_storage(app), archive)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        lots = tar.extractfile("tables/ccer_lots.jsonl").read().decode()  # type: ignore[union-attr]
    assert manifest["revision"]
    assert '"$decimal"' in lots
    assert sum(1 for n in names if n.startswith("files/")) == len(manifest["files"])
    assert not (tmp_path / "b.tar.gz.partial").exists()


def test_commands_back_up_and_restore(
    app: Flask, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(app)
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(app.instance_path))
    runner = CliRunner()
    archive = tmp_path / "cli.tar.gz"
    result = runner.invoke(backup_command, [str(archive), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "已备份" in result.output
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path / "new-instance"))
    target = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    result = runner.invoke(restore_command, [str(archive), "--db", target])
    assert result.exit_code == 0, result.output
    assert "已恢复" in result.output
    engine = make_engine(target)
    try:
        assert snapshot(engine) == snapshot(app_engine(app))
    finally:
        engine.dispose()
    again = runner.invoke(restore_command, [str(archive), "--db", target])
    assert again.exit_code != 0
    assert "请使用空数据库" in again.output
