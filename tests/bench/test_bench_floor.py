"""The baselines of bench_decide.py decide what the engine decides (or the figures compare nothing)."""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarks.bench_decide import summary
from benchmarks.floor import CODES, GATES, decide_floor
from benchmarks.naive import NaiveEngine
from scs_workflow import Case, Engine
from scs_workflow.testing.synthetic import DEFAULT_AS_OF, generate

CODE_SETS = (["63650", "63685"], ["95972"], ["63650", "95970", "95971"], list(CODES))


@pytest.fixture(scope="module")
def medicare() -> list[Case]:
    return [Case.model_validate(c) for c in generate(1200, seed=11) if c["policy"] == "medicare"]


def test_the_floor_judges_the_criteria_the_policy_gates_on(engine: Engine) -> None:
    compiled = engine.compiled(engine.library.get("medicare", on=DEFAULT_AS_OF))
    for code, uses in GATES.items():
        for use, states, crits in uses:
            gate = next(u for u in compiled.policy.gates[code] if u.use == use)
            assert set(gate.states) == states, (code, use)
            assert [c.id for c in compiled.gate_criteria[(code, use)]] == list(crits), (code, use)


@pytest.mark.parametrize("codes", CODE_SETS, ids=lambda c: "+".join(c))
def test_the_floor_agrees_with_the_engine_on_the_medicare_mix(engine: Engine, medicare: list[Case],
                                                              codes: list[str]) -> None:
    for case in medicare:
        assert decide_floor(case, codes, DEFAULT_AS_OF) == summary(engine.decide(case, codes, DEFAULT_AS_OF)), \
            case.case_id


@pytest.mark.parametrize("day", [dt.date(2025, 9, 1), dt.date(2026, 3, 1)])
def test_the_floor_agrees_on_earlier_dates_too(engine: Engine, medicare: list[Case], day: dt.date) -> None:
    for case in medicare[:300]:
        assert decide_floor(case, CODES, day) == summary(engine.decide(case, CODES, day)), case.case_id


def test_the_naive_machine_per_case_design_decides_the_same(engine: Engine, medicare: list[Case]) -> None:
    naive = NaiveEngine()
    for case in medicare[:200]:
        ours, theirs = engine.decide(case, CODES, DEFAULT_AS_OF), naive.decide(case, CODES, DEFAULT_AS_OF)
        assert summary(theirs) == summary(ours), case.case_id
        assert [(h.event, h.to_state, h.applied) for h in theirs.history] == \
            [(h.event, h.to_state, h.applied) for h in ours.history]
