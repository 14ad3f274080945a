"""The in-memory tracker: the state it keeps is a fresh replay's, and forgetting lets the case go."""

from __future__ import annotations

import gc
import weakref

import pytest

from scs_workflow import Case, Engine
from scs_workflow.testing.synthetic import DEFAULT_AS_OF, generate
from scs_workflow.testing.tracker import CaseTracker


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return [Case.model_validate(c) for c in generate(150, seed=21)]


def test_tracked_state_is_the_state_a_decision_replays(engine: Engine, cases: list[Case]) -> None:
    tracker = CaseTracker(engine, as_of=DEFAULT_AS_OF)
    for case in cases:
        assert tracker.track(case) == engine.decide(case, ["95972"], DEFAULT_AS_OF).pathway_state
    assert len(tracker) == len(cases)
    for case in cases:
        assert tracker.state_of(case.case_id) == tracker.replay_state(case, DEFAULT_AS_OF)


def test_tracked_states_are_the_policy_s_own_strings(engine: Engine, cases: list[Case]) -> None:
    tracker = CaseTracker(engine, as_of=DEFAULT_AS_OF)
    names = {s.name: s.name for p in engine.library.all() for s in p.states}
    for case in cases[:30]:
        state = tracker.track(case)
        assert state is names[state] or state is tracker.state_of(case.case_id)


def test_decide_on_a_tracked_case_is_the_engine_s_decision(engine: Engine, cases: list[Case]) -> None:
    tracker = CaseTracker(engine, as_of=DEFAULT_AS_OF)
    tracker.track(cases[0])
    assert tracker.decide(cases[0].case_id, ["63650"], DEFAULT_AS_OF) == engine.decide(cases[0], ["63650"],
                                                                                        DEFAULT_AS_OF)


def test_forgetting_frees_the_entry(engine: Engine) -> None:
    tracker = CaseTracker(engine, as_of=DEFAULT_AS_OF)
    case = Case.model_validate(next(generate(1, seed=22)))
    ref = weakref.ref(case)
    tracker.track(case)
    tracker.forget(case.case_id)
    del case
    gc.collect()
    assert ref() is None
    assert len(tracker) == 0 and "SYN-22-0000000" not in tracker


def test_an_untracked_case_is_a_key_error(engine: Engine) -> None:
    tracker = CaseTracker(engine, as_of=DEFAULT_AS_OF)
    with pytest.raises(KeyError):
        tracker.state_of("SYN-nope")
    with pytest.raises(KeyError):
        tracker.forget("SYN-nope")


def test_tracking_again_replaces_the_case(engine: Engine, cases: list[Case]) -> None:
    tracker = CaseTracker(engine, as_of=DEFAULT_AS_OF)
    first = cases[0]
    tracker.track(first)
    shorter = first.model_copy(update={"events": []})
    assert tracker.track(shorter) == "intake"
    assert tracker.case(first.case_id) is shorter and len(tracker) == 1


def test_refresh_replays_every_case_as_of_a_new_date(engine: Engine, cases: list[Case]) -> None:
    tracker = CaseTracker(engine, as_of=DEFAULT_AS_OF)
    for case in cases[:40]:
        tracker.track(case)
    early = DEFAULT_AS_OF.replace(year=DEFAULT_AS_OF.year - 1)
    assert tracker.refresh(early) == 40
    assert all(tracker.state_of(c.case_id) == tracker.replay_state(c, early) for c in cases[:40])
    assert tracker.as_of_date(cases[0].case_id) == early
