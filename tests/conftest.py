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
    """decide_one(case, "63650x2:permanent", on=date) -> the CodeDecision of that code.

    The lines written as text are requested at an ASC (``pos``), as a real request states where the
    service is to be performed (a permanent implant with no place of service pends for it); pass
    ``pos=None`` to leave it out, or a ServiceLine to state everything yourself. *waveform* states
    the stimulation mode of every text line (Cigna pends a request that does not state it).
    """

    def run(case: Case, code: str | ServiceLine, on: dt.date, *, also: Sequence[str] = (),
            policy: str | None = None, pos: str | None = "asc", waveform: str | None = None) -> CodeDecision:
        line = code if isinstance(code, ServiceLine) else parse(code, pos, waveform)
        decision: Decision = engine.decide(case, [line, *[parse(c, pos, waveform) for c in also]], on,
                                           policy=policy)
        return decision.codes[0]

    return run


def parse(text: str, pos: str | None = None, waveform: str | None = None) -> ServiceLine:
    from scs_workflow.cli import parse_code

    return parse_code(text, place_of_service=pos, waveform=waveform)
