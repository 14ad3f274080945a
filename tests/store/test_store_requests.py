"""Authorization requests: clocks, the engine's recommendation, and decisions only people may take."""

from __future__ import annotations

import datetime as dt

import pytest

from scs_workflow import PermissionDenied, ServiceLine, UnknownCode
from scs_workflow.store import Actor, CaseStore
from scs_workflow.store.errors import ActionRefused, IdempotencyConflict

from .conftest import INTAKE, NURSE, REVIEWER

UTC = dt.UTC
FRIDAY_2359 = dt.datetime(2026, 6, 5, 23, 59, tzinfo=UTC)
DOS = dt.date(2026, 6, 15)
DIRECTOR = Actor("mo", "medical_director", "test")


def new(store: CaseStore, case_id: str, *codes: str, **kw: object):  # type: ignore[no-untyped-def]
    """A request for *codes* in the hospital outpatient department (a request states where: a permanent
    implant with no place of service pends for it)."""
    kw.setdefault("urgency", "standard")
    kw.setdefault("received_at", FRIDAY_2359)
    kw.setdefault("date_of_service", DOS)
    lines = [ServiceLine.parse(c, place_of_service="hopd") for c in codes or ("63650",)]
    return store.requests.new(case_id, lines, by=INTAKE, **kw)  # type: ignore[arg-type]


def test_a_denial_without_a_reviewer_is_refused_and_nothing_is_written(store: CaseStore, fbss_case: str) -> None:
    req = new(store, fbss_case)
    for who in (NURSE, INTAKE, Actor("bot", "system")):
        with pytest.raises(PermissionDenied, match="a deny needs an actor with role reviewer or medical_director"):
            store.requests.decide(req.request_id, "deny", by=who, rationale="not necessary")
    after = store.requests.get(req.request_id)
    assert (after.status, after.outcome, after.version) == ("received", None, req.version)


@pytest.mark.parametrize("rationale", [None, "", "   "])
def test_a_denial_needs_a_written_rationale(store: CaseStore, fbss_case: str, rationale: str | None) -> None:
    req = new(store, fbss_case)
    with pytest.raises(ActionRefused, match="a denial needs a written rationale"):
        store.requests.decide(req.request_id, "deny", by=REVIEWER, rationale=rationale)
    assert store.requests.get(req.request_id).status == "received"


def test_a_reviewer_denial_with_a_rationale_is_recorded(store: CaseStore, fbss_case: str, clock) -> None:
    req = new(store, fbss_case)
    done = store.requests.decide(req.request_id, "deny", by=REVIEWER, rationale="trial diary not legible")
    assert (done.status, done.outcome, done.decided_by, done.decided_role) == ("decided", "deny", "rex", "reviewer")
    assert (done.rationale, done.decided_at, done.auth_number) == ("trial diary not legible", clock.at, None)
    assert store.get(fbss_case).version == 17  # no authorization event


def test_a_medical_director_may_deny_too(store: CaseStore, fbss_case: str) -> None:
    req = new(store, fbss_case)
    assert store.requests.decide(req.request_id, "deny", by=DIRECTOR, rationale="x").outcome == "deny"


def test_an_approval_records_its_number_and_validity_on_the_case(store: CaseStore, fbss_case: str) -> None:
    req = new(store, fbss_case, "63650", "63685")
    at = dt.datetime(2026, 6, 8, 10, 0, tzinfo=UTC)
    done = store.requests.decide(req.request_id, "approve", by=NURSE, auth_number="UTN00000000001", at=at)
    assert (done.auth_number, done.valid_from, done.valid_to) == ("UTN00000000001", dt.date(2026, 6, 8),
                                                                  dt.date(2026, 10, 6))  # OPD UTN: 120 days
    auth = store.events(fbss_case)[-1]
    assert (auth.seq, auth.event_id, auth.type, auth.actor, auth.source) == (
        18, done.authorization_event_id, "authorization", "nia", f"request:{req.request_id}")
    assert auth.payload["services"] == [{"code": "63650", "units": 1}, {"code": "63685", "units": 1}]
    assert (auth.payload["number"], auth.payload["program"]) == ("UTN00000000001", "medicare_opd")
    assert store.case(fbss_case).events[-1].valid_to == dt.date(2026, 10, 6)


def test_an_approval_needs_an_authorization_number(store: CaseStore, fbss_case: str) -> None:
    req = new(store, fbss_case)
    with pytest.raises(ActionRefused, match="authorization number"):
        store.requests.decide(req.request_id, "approve", by=NURSE)
    assert store.get(fbss_case).version == 17


def test_an_explicit_validity_period_is_kept(store: CaseStore, fbss_case: str) -> None:
    req = new(store, fbss_case)
    done = store.requests.decide(req.request_id, "approve", by=NURSE, auth_number="A-1",
                                 valid_from=dt.date(2026, 6, 10), valid_to=dt.date(2026, 7, 10))
    assert (done.valid_from, done.valid_to) == (dt.date(2026, 6, 10), dt.date(2026, 7, 10))


def test_auto_approval_when_every_code_is_recommended_approve(store: CaseStore, fbss_case: str) -> None:
    req = new(store, fbss_case, "63650", "63685", auto_approve=True)
    assert (req.status, req.outcome, req.decided_by, req.decided_role) == ("decided", "approve", "system", "system")
    assert req.auth_number == f"AUTH-{req.request_id}"
    assert store.events(fbss_case)[-1].actor == "system"


def test_no_auto_approval_unless_every_code_is_recommended_approve(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    req = new(store, case_id, "63650", auto_approve=True)
    assert req.rec_outcome != "approve" and req.status == "received" and req.outcome is None
    with pytest.raises(PermissionDenied, match="automatic approval needs an approve recommendation"):
        store.requests.decide(req.request_id, "approve", by=Actor("bot", "system"), auth_number="A-1")


def test_approving_against_the_recommendation_needs_a_rationale(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    req = new(store, case_id, "63650")
    with pytest.raises(ActionRefused, match=r"against the engine's .* recommendation needs a written rationale"):
        store.requests.decide(req.request_id, "approve", by=REVIEWER, auth_number="A-1")
    done = store.requests.decide(req.request_id, "approve", by=REVIEWER, auth_number="A-1",
                                 rationale="peer-to-peer: records sent by fax")
    assert done.outcome == "approve" and done.rec_outcome != "approve"


def test_a_decision_is_final(store: CaseStore, fbss_case: str) -> None:
    req = new(store, fbss_case)
    store.requests.decide(req.request_id, "deny", by=REVIEWER, rationale="x")
    with pytest.raises(ActionRefused, match=r"decided .deny. already"):
        store.requests.decide(req.request_id, "approve", by=REVIEWER, auth_number="A-1")


def test_received_then_pended_then_decided(store: CaseStore, fbss_case: str, clock) -> None:
    req = new(store, fbss_case, received_at=clock.at)
    clock.advance(hours=5)
    pended = store.requests.decide(req.request_id, "pend", by=NURSE, rationale="need the trial diary")
    assert (pended.status, pended.pended_at, pended.pend_count) == ("pended", clock.at, 1)
    clock.advance(days=1)
    done = store.requests.decide(req.request_id, "approve", by=NURSE, auth_number="A-1")
    assert (done.status, done.pend_count, done.decided_at) == ("decided", 1, clock.at)
    actions = [e.action for e in store.requests.log(req.request_id)]
    assert actions == ["received", "recommended", "recommended", "pended", "recommended", "decided"]


def test_the_recommendation_is_stored_with_the_policy_version_it_used(store: CaseStore, fbss_case: str) -> None:
    req = new(store, fbss_case, "63650", "63685")
    assert (req.rec_outcome, req.rec_policy) == ("approve", "medicare@2026.1")
    assert req.recommendation is not None
    assert (req.recommendation["policy_id"], req.recommendation["policy_version"]) == ("medicare", "2026.1")
    assert [c["outcome"] for c in req.recommendation["codes"]] == ["approve", "approve"]


def test_the_due_time_is_stored_at_its_edge(store: CaseStore, fbss_case: str) -> None:
    standard = new(store, fbss_case)
    assert (standard.clocks, standard.due_at) == (["medicare-opd"], dt.datetime(2026, 6, 12, 23, 59, tzinfo=UTC))
    friday_1700 = dt.datetime(2026, 6, 5, 17, 0, tzinfo=UTC)
    expedited = new(store, fbss_case, urgency="expedited", received_at=friday_1700)
    assert expedited.due_at == dt.datetime(2026, 6, 9, 17, 0, tzinfo=UTC)  # Tuesday: 2 business days
    stricter = new(store, fbss_case, clocks=["medicare-opd", "wa-state"])
    assert stricter.due_at == dt.datetime(2026, 6, 8, 23, 59, tzinfo=UTC)


def test_resending_a_request_id_is_a_no_op_unless_it_differs(store: CaseStore, fbss_case: str) -> None:
    first = new(store, fbss_case, request_id="r-1")
    assert new(store, fbss_case, request_id="r-1") == first
    with pytest.raises(IdempotencyConflict, match="request id 'r-1'"):
        new(store, fbss_case, "63685", request_id="r-1")
    assert len(store.requests.all()) == 1


def test_an_unknown_code_is_an_input_error_and_nothing_is_stored(store: CaseStore, fbss_case: str) -> None:
    with pytest.raises(UnknownCode):
        new(store, fbss_case, "99213")
    assert store.requests.all() == []


def test_a_decision_cannot_precede_the_request(store: CaseStore, fbss_case: str) -> None:
    req = new(store, fbss_case)
    with pytest.raises(ActionRefused, match="precedes its receipt"):
        store.requests.decide(req.request_id, "deny", by=REVIEWER, rationale="x",
                              at=FRIDAY_2359 - dt.timedelta(minutes=1))
