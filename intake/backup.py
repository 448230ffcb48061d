"""Backup and restore of the database and the stored uploads, between SQLite and PostgreSQL.

A backup is one ``.tar.gz``: ``manifest.json`` (format, Alembic revision, tables and
row counts, files), ``tables/<name>.jsonl`` (every row of every table, one JSON object
a line, values tagged where JSON has no type of their own) and ``files/ab/cdef…`` (the
content-addressed uploads). ``restore`` migrates an empty database to the backup's
revision, inserts the rows in foreign-key order, resets PostgreSQL's id sequences,
copies the files back and migrates to head.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import tarfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Connection, Engine, Table, func, insert, select, text

from intake.db import Base, current_revision, import_models, make_engine, upgrade
from intake.storage import Storage

FORMAT = 1
MANIFEST = "manifest.json"
BATCH = 500


class BackupError(ValueError):
    """A backup cannot be made or restored as asked (the message is Chinese, for the user)."""


def tables() -> list[Table]:
    """Every table of the models, parents before children."""
    import_models()
    return list(Base.metadata.sorted_tables)


# ---------------------------------------------------------------- values


def encode(value: Any) -> Any:
    """A column value as JSON; other types become one-key objects (``{"$decimal": "1.50"}``)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return {"$decimal": format(value, "f")}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict | list):
        return {"$json": value}
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def decode(value: Any) -> Any:
    """Inverse of ``encode``."""
    if not isinstance(value, dict):
        return value
    [(tag, raw)] = value.items()
    if tag == "$decimal":
        return Decimal(raw)
    if tag == "$datetime":
        moment = dt.datetime.fromisoformat(raw)
        # SQLite keeps no zone; every stored time is UTC.
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    if tag == "$date":
        return dt.date.fromisoformat(raw)
    if tag == "$bytes":
        return base64.b64decode(raw)
    if tag == "$json":
        return raw
    raise BackupError(f"备份文件中有无法识别的值类型 {tag}")


# ---------------------------------------------------------------- backup


def backup(engine: Engine, storage: Storage, destination: Path) -> dict[str, Any]:
    """Write every table and every stored file to ``destination`` (.tar.gz); the manifest."""
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "revision": current_revision(engine),
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "tables": {},
        "files": [],
    }
    partial = destination.with_name(destination.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive, engine.connect() as connection:
        for table in tables():
            data = b"".join(_rows_jsonl(connection, table))
            manifest["tables"][table.name] = data.count(b"\n")
            _add(archive, f"tables/{table.name}.jsonl", data)
        for digest in stored_digests(storage):
            archive.add(storage.path(digest), arcname=f"files/{digest[:2]}/{digest[2:]}")
            manifest["files"].append(digest)
        _add(archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    partial.replace(destination)  # a backup that exists is complete
    return manifest


def _rows_jsonl(connection: Connection, table: Table) -> Iterator[bytes]:
    order = list(table.primary_key.columns) or list(table.columns)
    for row in connection.execute(select(table).order_by(*order)).mappings():
        record = {key: encode(value) for key, value in row.items()}
        yield json.dumps(record, ensure_ascii=False).encode() + b"\n"


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def stored_digests(storage: Storage) -> list[str]:
    """The digests of every file in the store."""
    if not storage.root.is_dir():
        return []
    found = []
    for path in sorted(storage.root.glob("??/*")):
        digest = path.parent.name + path.name
        if path.is_file() and len(digest) == 64 and not path.name.startswith("."):
            found.append(digest)
    return found


# ---------------------------------------------------------------- restore


def restore(engine: Engine, storage: Storage, source: Path) -> dict[str, Any]:
    """Load a backup into an empty database and the store; the backup's manifest."""
    with tarfile.open(source, "r:gz") as archive:
        manifest = _manifest(archive)
        kept = [t for t in tables() if t.name in manifest["tables"]]
        _prepare(engine, manifest["revision"], kept)
        with engine.begin() as connection:
            for table in kept:
                member = archive.extractfile(f"tables/{table.name}.jsonl")
                if member is not None:
                    _insert(connection, table, member.read())
            _reset_sequences(connection, kept)
        for digest in manifest["files"]:
            member = archive.extractfile(f"files/{digest[:2]}/{digest[2:]}")
            if member is None or storage.store(member.read()) != digest:
                raise BackupError(f"备份中的文件 {digest} 已损坏")
    upgrade(engine)
    return dict(manifest)


def _manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    member = archive.extractfile(MANIFEST)
    if member is None:
        raise BackupError("不是本系统的备份文件（缺少 manifest.json）")
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式 {manifest.get('format')}")
    return manifest


def _prepare(engine: Engine, revision: str | None, kept: list[Table]) -> None:
    """Migrate a new database to the backup's revision; refuse one that holds data."""
    present = current_revision(engine)
    if present is not None and present != revision:
        raise BackupError(
            f"目标数据库的版本 {present} 与备份的版本 {revision} 不同，请使用空数据库"
        )
    upgrade(engine, revision or "head")
    with engine.connect() as connection:
        for table in kept:
            if connection.scalar(select(func.count()).select_from(table)):
                raise BackupError(
                    f"目标数据库不是空的（表 {table.name} 中已有数据），请使用空数据库"
                )


def _insert(connection: Connection, table: Table, data: bytes) -> None:
    rows = [
        {key: decode(value) for key, value in json.loads(line).items()}
        for line in data.splitlines()
        if line.strip()
    ]
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start : start + BATCH])


def _reset_sequences(connection: Connection, kept: list[Table]) -> None:
    """PostgreSQL: each serial id continues after the largest restored one."""
    if connection.dialect.name != "postgresql":
        return
    for table in kept:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and column.type.python_type is int
            ):
                connection.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:t, :c), "
                        f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, '
                        "false)"
                    ),
                    {"t": table.name, "c": column.name},
                )


# ---------------------------------------------------------------- command line


def _open(db: str | None) -> tuple[Engine, Storage]:
    from intake.config import load_settings

    settings = load_settings({"database_url": db} if db else None)
    return make_engine(settings.resolved_database_url), Storage(settings.instance_path / "uploads")


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--db", default=None, help="数据库 URL（默认 INTAKE_DATABASE_URL 或实例目录中的 SQLite）"
)
def backup_command(destination: Path, db: str | None) -> None:
    """备份数据库和已上传的文件到一个 .tar.gz 文件。"""
    engine, storage = _open(db)
    try:
        manifest = backup(engine, storage, destination)
    finally:
        engine.dispose()
    rows = sum(manifest["tables"].values())
    click.echo(
        f"已备份 {len(manifest['tables'])} 个表、{rows} 行、"
        f"{len(manifest['files'])} 个文件到 {destination}"
    )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", default=None, help="数据库 URL（必须是空数据库）")
def restore_command(source: Path, db: str | None) -> None:
    """从备份文件恢复到一个空数据库和文件目录。"""
    engine, storage = _open(db)
    try:
        manifest = restore(engine, storage, source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    finally:
        engine.dispose()
    rows = sum(manifest["tables"].values())
    click.echo(
        f"已恢复 {rows} 行、{len(manifest['files'])} 个文件（备份时间 {manifest['created_at']}）"
    )
