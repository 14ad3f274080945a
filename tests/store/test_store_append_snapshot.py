"""Appending reads the case row (version, chain head) and only the records cross-event rules need.

The verdict must be exactly the whole case's: an event is accepted by ``append`` if and only if
the case with it still parses, and the cached pathway state is recomputed when read.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import update

from scs_workflow import CaseError
from scs_workflow.model.case import parse_case
from scs_workflow.store import CaseStore, verify
from scs_workflow.store.errors import IdempotencyConflict
from scs_workflow.store.schema import cases

from .conftest import INTAKE, pain

HEADER = {"case_id": "c-1", "patient_ref": "SYN-0001", "policy": "medicare", "diagnoses": [{"code": "M96.1"}]}


def _random_event(rng: random.Random, n: int, ids: list[str]) -> dict[str, Any]:
    day = f"2026-05-{rng.randint(1, 28):02d}"
    at = f"{day}T{rng.randint(6, 18):02d}:00:00"
    kind = rng.choice(["pain", "pain", "placement", "outcome", "correction", "correction", "dup"])
    if kind == "placement":
        return {"id": f"e-{n}", "type": "trial_placement", "date": day, "started_at": at,
                "leads": 2, "region": "thoracic"}
    if kind == "outcome":
        return {"id": f"e-{n}", "type": "trial_outcome", "date": day, "ended_at": at,
                "baseline_pain": 8, "trial_pain": rng.choice([2, 6])}
    if kind == "correction" and ids:
        target = rng.choice([*ids, "no-such-event"])
        change: dict[str, Any] = rng.choice([{"retracted": True}, {"replacement": {"score": rng.choice([3, 11])}},
                                             {"replacement": {"ended_at": f"{day}T05:00:00"}},
                                             {"replacement": {"started_at": f"{day}T20:00:00"}}])
        return {"id": f"e-{n}", "type": "correction", "date": day, "corrects": target, "by": "nurse", "reason": "r",
                **change}
    if kind == "dup" and ids:
        return {"id": rng.choice(ids), "type": "pain_score", "date": day, "score": 1}  # other content: refused
    return {"id": f"e-{n}", "type": "pain_score", "date": day, "score": rng.randint(0, 10)}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_append_accepts_an_event_exactly_when_the_whole_case_with_it_is_valid(store: CaseStore, seed: int) -> None:
    rng = random.Random(seed)
    store.create_case("c-1", patient_ref="SYN-0001", policy="medicare", diagnoses=[{"code": "M96.1"}], by=INTAKE)
    accepted: list[dict[str, Any]] = []
    for n in range(70):
        ev = _random_event(rng, n, [e["id"] for e in accepted])
        try:
            whole = parse_case({**HEADER, "events": [*accepted, ev]})
        except CaseError:
            whole = None
        try:
            store.append("c-1", ev, by=INTAKE)
        except (CaseError, IdempotencyConflict):
            assert whole is None, f"append refused {ev} that the whole case accepts"
            continue
        assert whole is not None, f"append accepted {ev} that the whole case refuses"
        accepted.append(ev)
    assert 20 < len(accepted) < 70  # both verdicts were exercised
    assert [e.event_id for e in store.events("c-1")] == [e["id"] for e in accepted]
    assert store.get("c-1").state_is_current and all(r.ok for r in verify(store))


def test_a_correction_of_an_event_far_back_in_a_long_log_is_checked(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    from scs_workflow.store.cases import Incoming

    store.append_many(case_id, [Incoming(pain(n), INTAKE) for n in range(300)])
    bad = {"id": "fix-1", "type": "correction", "date": "2026-05-20", "corrects": "pain-3",
           "replacement": {"score": 12}, "by": "nurse", "reason": "typo"}
    with pytest.raises(CaseError, match="nothing was written"):
        store.append(case_id, bad, by=INTAKE)
    ok = store.append(case_id, {**bad, "replacement": {"score": 2}}, by=INTAKE)
    assert ok.version == 301
    with pytest.raises(CaseError):  # a correction of a correction: correct the record itself
        store.append(case_id, {**bad, "id": "fix-2", "corrects": "fix-1", "replacement": {"score": 3}}, by=INTAKE)


def test_the_event_limit_holds_on_append(store: CaseStore, empty_case, monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = empty_case()
    monkeypatch.setenv("SCS_MAX_EVENTS", "3")
    for n in range(3):
        store.append(case_id, pain(n), by=INTAKE)
    with pytest.raises(CaseError, match="too many events"):
        store.append(case_id, pain(3), by=INTAKE)
    assert store.get(case_id).version == 3


def test_the_pathway_state_is_recomputed_when_read_after_appends(store: CaseStore, fbss_case: str) -> None:
    head = store.get(fbss_case)
    assert head.state == "trial_succeeded" and head.state_is_current


# --- audit verify checks the cached columns against the replayed log --------------------------


def _tamper(store: CaseStore, **values: Any) -> None:
    with store.db.write() as conn:
        conn.execute(update(cases).where(cases.c.case_id == "ex-fbss-001").values(**values))


def _findings(store: CaseStore) -> list[str]:
    return [str(f) for r in verify(store) for f in r.findings]


def test_audit_finds_an_edited_cached_state(store: CaseStore, fbss_case: str) -> None:
    store.get(fbss_case)  # the state is cached at the current version
    assert _findings(store) == []
    _tamper(store, state="implanted")
    assert _findings(store) == ["header (state): the case row says state 'implanted' but its log replays to "
                                "'trial_succeeded': the row was edited"]


@pytest.mark.parametrize(("column", "value"), [("state_policy", "medicare@1999.1"), ("state_as_of", None)])
def test_audit_finds_other_edited_cached_columns(store: CaseStore, fbss_case: str, column: str, value: Any) -> None:
    store.get(fbss_case)
    _tamper(store, **{column: value})
    found = _findings(store)
    assert len(found) == 1 and f"({column})" in found[0] and "the row was edited" in found[0]


def test_audit_finds_a_cached_state_claiming_a_version_not_reached(store: CaseStore, fbss_case: str) -> None:
    _tamper(store, state_version=99)
    assert any("state_version" in f for f in _findings(store))


def test_audit_finds_an_edited_version_or_head_hash(store: CaseStore, fbss_case: str) -> None:
    _tamper(store, version=18, state_version=18)
    assert any("is at version 18" in f for f in _findings(store))
