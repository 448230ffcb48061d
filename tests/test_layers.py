"""The web builds no SQL: its views call a query or an operation of ``intake.review``.

The layers themselves are import-linter contracts in pyproject.toml (``lint-imports``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import intake.web

WEB = Path(intake.web.__file__).resolve().parent
# What a web module may take from SQLAlchemy: the session and engine types, and its errors.
ALLOWED = {
    ("sqlalchemy", "Engine"),
    ("sqlalchemy.orm", "Session"),
    ("sqlalchemy.orm", "sessionmaker"),
}


def sql_imports(path: Path) -> list[str]:
    """The SQLAlchemy names a module imports beyond the allowed ones, as ``module.name``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            module = node.module or ""
            found += [
                f"{module}.{a.name}"
                for a in node.names
                if (module, a.name) not in ALLOWED and not module.startswith("sqlalchemy.exc")
            ]
    return found


def test_no_web_module_imports_sql_construction() -> None:
    offending = {
        str(path.relative_to(WEB)): names
        for path in sorted(WEB.rglob("*.py"))
        if (names := sql_imports(path))
    }
    assert offending == {}


def test_the_check_sees_sql_construction(tmp_path: Path) -> None:
    module = tmp_path / "view.py"
    module.write_text(
        "import sqlalchemy as sa\n"
        "from sqlalchemy import Engine, func, select\n"
        "from sqlalchemy.orm import Session, aliased\n"
        "from sqlalchemy.exc import IntegrityError\n",
        encoding="utf-8",
    )
    assert sql_imports(module) == [
        "sqlalchemy",
        "sqlalchemy.func",
        "sqlalchemy.select",
        "sqlalchemy.orm.aliased",
    ]
