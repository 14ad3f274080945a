"""The baselines of bench_decide.py decide what the engine decides (or the figures compare nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from benchmarks.bench_decide import summary
from benchmarks.floor import CODES, GATES, decide_floor
from benchmarks.naive import NaiveEngine
from scs_workflow import Case, Engine
from scs_workflow.model.service import ServiceLine
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


def test_the_floor_agrees_on_lines_with_a_place_of_service(engine: Engine, medicare: list[Case]) -> None:
    for pos in ("asc", "office"):
        lines = [ServiceLine(code=c, place_of_service=pos) for c in CODES]
        for case in medicare[:300]:
            assert decide_floor(case, lines, DEFAULT_AS_OF) == summary(engine.decide(case, lines, DEFAULT_AS_OF)), \
                (pos, case.case_id)


def _variants(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The case with what the criteria read changed: a modality missing, an indication for revision
    documented, a diagnosis recorded or ruled out, a session on the date of service."""
    events = raw["events"]
    last = max(e["date"] for e in events)
    dx = raw["diagnoses"][0]["code"]

    def with_(*extra: dict[str, Any], drop: str | None = None) -> dict[str, Any]:
        kept = [e for e in events if drop is None or e.get("kind") != drop]
        added = [{"id": f"v{n}", **e} for n, e in enumerate(extra)]
        return {**raw, "events": kept + added}

    return [
        with_(drop="psychological_therapy"),
        with_({"type": "conservative_therapy", "date": last, "kind": "psychological_therapy", "start": last,
               "end": last, "outcome": "unsuitable", "reason": "declined: cognitive limits"},
              drop="psychological_therapy"),
        with_({"type": "complication", "date": last, "kind": "lead_migration"}),
        with_({"type": "attestation", "date": last, "kind": "patient_requests_removal"}),
        with_({"type": "attestation", "date": last, "kind": "mri_needed", "value": False}),
        with_({"type": "diagnosis", "date": last, "code": dx, "status": "ruled_out"}),
        with_({"type": "diagnosis", "date": last, "code": "G90.5"}),
        with_({"type": "diagnosis", "date": last, "code": "G90.523"}),
        with_({"type": "programming", "date": DEFAULT_AS_OF.isoformat(), "parameters_changed": 0}),
        with_({"type": "programming", "date": DEFAULT_AS_OF.isoformat(), "parameters_changed": 3}),
        with_({"type": "programming", "date": DEFAULT_AS_OF.isoformat(), "parameters_changed": 4}),
    ]


def test_the_floor_agrees_where_the_criteria_read_new_records(engine: Engine) -> None:
    raws = [c for c in generate(800, seed=5) if c["policy"] == "medicare"][:150]
    for raw in raws:
        for variant in _variants(raw):
            case = Case.model_validate(variant)
            assert decide_floor(case, CODES, DEFAULT_AS_OF) == summary(engine.decide(case, CODES, DEFAULT_AS_OF)), \
                (case.case_id, variant["events"][-1])


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
