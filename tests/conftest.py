from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from scs_workflow import Case, CodeDecision, Decision, Engine, ServiceLine


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="session")
def decide_one(engine: Engine):  # type: ignore[no-untyped-def]
    """decide_one(case, "63650x2:permanent", on=date) -> the CodeDecision of that code."""

    def run(case: Case, code: str | ServiceLine, on: dt.date, *, also: Sequence[str] = (),
            policy: str | None = None) -> CodeDecision:
        line = code if isinstance(code, ServiceLine) else parse(code)
        decision: Decision = engine.decide(case, [line, *[parse(c) for c in also]], on, policy=policy)
        return decision.codes[0]

    return run


def parse(text: str) -> ServiceLine:
    from scs_workflow.cli import parse_code

    return parse_code(text)
