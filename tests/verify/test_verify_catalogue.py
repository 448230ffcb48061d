"""The catalogue: every contract code, its rules, the rules table; verify stays pure Python."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import intake.verify
from intake.verify import CATALOGUE, problem_for, rules_table
from intake.verify.engine import RULES

CONTRACT_CODES = [
    "FILE_UNREADABLE",
    "FORM_NOT_RECOGNIZED",
    "FIELD_MISSING",
    "VALUE_INVALID",
    "USCC_INVALID",
    "PHONE_INVALID",
    "EMAIL_INVALID",
    "RATIO_MISMATCH",
    "RATIO_OVER_LIMIT",
    "ROWS_SUM_MISMATCH",
    "DECLARATION_MISMATCH",
    "YEAR_MISMATCH",
    "DUPLICATE_PROJECT",
    "STAMP_MISSING",
    "STAMP_UNVERIFIED",
    "LOW_CONFIDENCE",
    "DEADLINE_PASSED",
    "ENTITY_UNKNOWN",
    "ENTITY_NAME_MISMATCH",
    "CCER_ACCOUNT_MISMATCH",
    "ETS_ACCOUNT_MISMATCH",
    "ACCOUNTS_NOT_BOUND",
    "DUE_ALLOWANCE_MISMATCH",
    "PROVINCE_MISMATCH",
    "PROJECT_NOT_PENDING",
    "PENDING_INSUFFICIENT",
    "PROJECT_UNKNOWN",
    "PROJECT_INELIGIBLE",
    "APPLICANT_MISMATCH",
    "COPY_MISMATCH",
    # An addition of this service (listed in the README's contract section).
    "APPLICATION_YEAR_MISMATCH",
]
WARNINGS = {"DUPLICATE_PROJECT", "STAMP_UNVERIFIED", "LOW_CONFIDENCE"}
# Codes found outside the rules: by the parsers, and by comparing a stamped copy.
FROM_PARSERS = {"FILE_UNREADABLE", "FORM_NOT_RECOGNIZED", "COPY_MISMATCH"}
FORBIDDEN = ("flask", "sqlalchemy", "werkzeug", "wtforms", "alembic")


def test_catalogue_holds_exactly_the_contract_codes_in_order() -> None:
    assert list(CATALOGUE) == CONTRACT_CODES


def test_severities_follow_the_contract() -> None:
    assert {code for code, entry in CATALOGUE.items() if entry.severity == "warning"} == WARNINGS


def test_every_code_but_the_parsers_has_a_rule() -> None:
    assert {r.code for r in RULES} == set(CONTRACT_CODES) - FROM_PARSERS


def test_rules_table_lists_every_code() -> None:
    table = rules_table()
    assert [row[0] for row in table] == CONTRACT_CODES
    assert table[CONTRACT_CODES.index("RATIO_OVER_LIMIT")] == (
        "RATIO_OVER_LIMIT",
        "error",
        "抵销比例超过上限",
        "申请抵销量 {actual} 吨超过{base}的 {ceiling}（上限 {limit} 吨）",
    )


def test_problem_for_a_parser_code() -> None:
    problem = problem_for("FORM_NOT_RECOGNIZED")
    assert (problem.code, problem.severity, problem.field) == ("FORM_NOT_RECOGNIZED", "error", None)
    assert problem.message == "文件可以打开，但不是受理年度的使用 CCER 抵销配额清缴申请表"


def test_problem_for_keeps_a_parser_message_with_the_catalogue_severity() -> None:
    problem = problem_for("FILE_UNREADABLE", message="文件处理超时（超过 {120} 秒）")
    assert (problem.code, problem.severity, problem.field) == ("FILE_UNREADABLE", "error", None)
    assert problem.message == "文件处理超时（超过 {120} 秒）"


def _imports(path: Path) -> set[str]:
    """Every module a source file imports (absolute names)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _source_of(module: str) -> Path | None:
    """The file of an ``intake.*`` module, or None for packages' attributes that are no module."""
    spec = importlib.util.find_spec(module) if module.count(".") else None
    return Path(spec.origin) if spec and spec.origin and spec.origin.endswith(".py") else None


def test_verify_imports_neither_web_nor_database() -> None:
    package = Path(intake.verify.__file__).parent
    todo = sorted(package.rglob("*.py"))
    seen: set[Path] = set()
    reached: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            reached.add(name)
            if name.startswith("intake."):
                try:
                    source = _source_of(name)
                except ModuleNotFoundError:
                    source = None
                if source is not None:
                    todo.append(source)
    assert Path(intake.verify.__file__) in seen
    assert any(p.name == "application.py" for p in seen)
    assert not [n for n in reached if n.split(".")[0] in FORBIDDEN]
