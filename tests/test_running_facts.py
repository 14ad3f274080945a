"""Running facts (scs_workflow/model/running.py) agree with the facts measured from scratch (facts.py).

Replay reads its day-by-day facts from running folds, so a case of n events costs O(n log n)
instead of O(n^2). The folds must give exactly the values the straightforward measurement
gives, on every day, and the decisions must be byte-identical: these differential tests hold
them to that on random cases (the reference is facts.py's own ``compute``, with the folds
taken out of the fact registry).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import CODES, events

from scs_workflow import CaseError, Engine, parse_case
from scs_workflow.model.facts import FACTS, CaseView, Facts
from scs_workflow.model.running import Cover
from scs_workflow.model.windows import months_covered

ENGINE = Engine()
FOLDED = sorted(name for name, spec in FACTS.items() if spec.fold is not None)
days = st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31))


@contextlib.contextmanager
def _reference() -> Iterator[None]:
    """Every fact measured from scratch on every day: the engine as it was before the folds."""
    saved = {name: FACTS[name] for name in FOLDED}
    try:
        for name in FOLDED:
            FACTS[name] = dataclasses.replace(FACTS[name], fold=None)
        yield
    finally:
        FACTS.update(saved)


@st.composite
def therapies(draw: Any) -> dict[str, Any]:
    """Conservative therapy in every shape the care facts distinguish: any outcome, with or without an end."""
    day = draw(days)
    start = day - dt.timedelta(days=draw(st.integers(-60, 400)))
    end = draw(st.one_of(st.none(), st.integers(0, 300).map(lambda n: start + dt.timedelta(days=n))))
    return {"type": "conservative_therapy", "date": day.isoformat(), "start": start.isoformat(),
            "end": None if end is None else end.isoformat(),
            "kind": draw(st.sampled_from(["physical_therapy", "medication", "psychological_therapy", "other"])),
            "physician_supervised": draw(st.booleans()),
            "outcome": draw(st.sampled_from(["failed", "partial_relief", "ongoing", "improved", "contraindicated",
                                             "unsuitable"]))}


@st.composite
def documentation(draw: Any) -> dict[str, Any]:
    day = draw(days).isoformat()
    return draw(st.sampled_from([
        {"type": "prior_procedure", "date": day, "kind": "spine_surgery"},
        {"type": "prior_procedure", "date": day, "kind": "other"},
        {"type": "attestation", "date": day, "kind": "behavioral_health", "value": False},
        {"type": "attestation", "date": day, "kind": "extenuating_circumstances", "value": True},
        {"type": "pain_score", "date": day, "score": draw(st.integers(0, 10))},
        {"type": "psych_eval", "date": day, "evaluator_role": "psychiatrist", "cleared": True},
        {"type": "diagnosis", "date": day, "code": draw(st.sampled_from(["M96.1", "M54.5", "G89.4"])),
         "status": draw(st.sampled_from(["active", "resolved", "ruled_out"])),
         "onset": draw(st.one_of(st.none(), days.map(dt.date.isoformat)))},
    ]))


def _case(evs: list[dict[str, Any]], policy: str) -> Any:
    data = {"case_id": "r", "patient_ref": "SYN-R", "policy": policy,
            "diagnoses": [{"code": "M96.1", "onset": "2022-01-01"}], "events": evs}
    try:
        return parse_case(data)
    except CaseError:
        return None


case_events = st.lists(st.one_of(events(), therapies(), therapies(), documentation()), max_size=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_events, st.lists(days, min_size=1, max_size=8))
def test_running_facts_equal_the_facts_measured_from_scratch(evs, asked):
    """Days asked in any order (a fold asked for an earlier day starts again), every folded fact."""
    case = _case(evs, "aetna")
    if case is None:
        return
    view = CaseView(case)
    for day in asked:
        for name in FOLDED:
            running = Facts(view, day, status_only=True).get(name).value
            scratch = Facts(view, day).get(name).value
            assert running == scratch and type(running) is type(scratch), (name, day)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_events, st.sampled_from(["medicare", "aetna", "cigna"]), st.sampled_from(CODES), days)
def test_decisions_with_running_facts_are_byte_identical(evs, policy, code, on):
    case = _case(evs, policy)
    if case is None:
        return
    fast = ENGINE.decide(case, [code], on).model_dump_json()
    with _reference():
        slow = ENGINE.decide(case, [code], on).model_dump_json()
    assert fast == slow


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(days, days, st.one_of(st.none(), st.integers(0, 200))), max_size=12),
       st.lists(days, min_size=1, max_size=6))
def test_cover_measures_the_union_as_months_covered_does(spans, asked):
    """The running union of intervals, clipped at a growing date, against windows.months_covered:
    each interval is added when it is recorded (it may start before or after that day)."""
    cover = Cover()
    added: list[tuple[dt.date, int | None]] = []
    for day in sorted(asked):
        for recorded, start, length in spans:
            if recorded <= day and (start, length) not in added:
                added.append((start, length))
                cover.add(start, None if length is None else start + dt.timedelta(days=length))
        cover.advance(day)
        clipped = [(s, day if n is None else min(s + dt.timedelta(days=n), day)) for s, n in added if s <= day]
        assert cover.months() == months_covered(clipped), day


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_events, st.sampled_from(["medicare", "aetna", "cigna"]), days)
def test_replay_view_without_rejected_events_equals_a_view_built_without_them(evs, policy, on):
    """Replay drops each rejected event from its own copy of the view, in place; the result is the
    view built from scratch without them (the same events, order and exclusions)."""
    case = _case(evs, policy)
    if case is None:
        return
    pathway = ENGINE.compiled(ENGINE.policy_for(case, on)).pathway
    replay = pathway.replay(CaseView(case), on)
    built = CaseView(case).known(on).without(replay.rejected)
    got = replay.facts.view
    assert [e.id for e in got.ordered] == [e.id for e in built.ordered]
    assert got.excluded == built.excluded
    for kind in {e.type for e in case.events}:
        ids = [[e.id for e in view.upto(kind, dt.date.max, False)] for view in (got, built)]
        assert ids[0] == ids[1], kind
