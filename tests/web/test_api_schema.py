"""schemathesis against the API: every operation, valid and invalid input, every check.

The cases are derived (fixed seed) from the published OpenAPI document; a failure is any
check that fails: a 500, a status or body the document does not declare, invalid input
accepted or valid input refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import CHECKS, CheckFunction, load_all_checks
from schemathesis.core.result import Ok

from tests.fixtures.web import token_for

EXAMPLES = 50  # per operation and mode


@dataclass
class Run:
    """What one schemathesis run tried and what failed ((operation, first line) pairs)."""

    operations: int = 0
    cases: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    # The first full report of each distinct failure, to print when the test fails.
    details: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, label: str, failure: BaseException, case: Case[Any]) -> None:
        """Count one failed check of one case."""
        key = (label, _named(failure))
        self.failures.append(key)
        self.details.setdefault(key, f"{failure}\n{case.as_curl_command()}")


def run_schemathesis(app: Flask, headers: dict[str, str], examples: int = EXAMPLES) -> Run:
    """Call every operation of the app's API with ``examples`` positive and negative cases."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    load_all_checks()  # every built-in check, not only those a configuration enables
    run = Run()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        run.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _explore(run, operation.label, operation.as_strategy(mode), headers, examples)
    return run


def _explore(
    run: Run, label: str, strategy: st.SearchStrategy[Case[Any]], headers: dict[str, str], n: int
) -> None:
    @settings(
        max_examples=n, derandomize=True, database=None, deadline=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(strategy)
    def call(case: Case[Any]) -> None:
        run.cases += 1
        try:
            case.call_and_validate(
                headers=headers, checks=cast(list[CheckFunction], CHECKS.get_all())
            )
        except BaseExceptionGroup as group:  # one case may fail several checks
            for failure in group.exceptions:
                run.add(label, failure, case)
        except Exception as failure:  # every kind of failed check is counted
            run.add(label, failure, case)

    call()


def _named(failure: BaseException) -> str:
    """A failure as its kind and title, e.g. ``UndefinedStatusCode: Undocumented status code``."""
    title = getattr(failure, "title", None) or str(failure).strip().splitlines()[0][:120]
    return f"{type(failure).__name__}: {title}"


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_schemathesis_finds_no_failure(app: Flask) -> None:
    run = run_schemathesis(app, token_for(app, "demo-enterprise"))
    print(
        f"schemathesis: {run.operations} operations, {run.cases} cases, {len(run.failures)} failures"
    )
    for key in sorted(run.details):
        print(key, run.details[key], sep="\n")
    assert run.operations == 10
    assert sorted(set(run.failures)) == []
