"""A stored request keeps every fact of its lines and is re-decided with all of them."""

from __future__ import annotations

import dataclasses
import datetime as dt

from casebuilder import trial_candidate

from scs_workflow import ServiceLine
from scs_workflow.store import CaseStore

from .conftest import INTAKE, REVIEWER

UTC = dt.UTC
RECEIVED = dt.datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
DOS = dt.date(2026, 2, 10)


def candidate(store: CaseStore, case_id: str = "cand-1") -> str:
    """A screened trial candidate: a trial is approvable, a permanent implant is not (no trial yet)."""
    data = trial_candidate().data
    store.create_case(case_id, patient_ref=data["patient_ref"], policy=data["policy"],
                      diagnoses=data["diagnoses"], by=INTAKE)
    for ev in data["events"]:
        store.append(case_id, ev, by=INTAKE)
    return case_id


def test_store_keeps_use_and_line_facts(store: CaseStore) -> None:
    """63650:permanent on a trial candidate stays a permanent request: it is never re-recommended as a trial."""
    case_id = candidate(store)
    asked = ServiceLine(code="63650", units=2, use="permanent", place_of_service="asc", contacts=16,
                        region="thoracic", waveform="tonic")
    req = store.requests.new(case_id, [asked], urgency="standard", received_at=RECEIVED, by=INTAKE,
                             date_of_service=DOS)
    assert req.recommendation is not None and req.recommendation["codes"][0]["use"] == "permanent"
    assert req.rec_outcome == "deny"
    again = store.requests.decide(req.request_id, "pend", by=REVIEWER, rationale="need the trial")
    assert again.recommendation is not None and again.recommendation["codes"][0]["use"] == "permanent"
    assert again.rec_outcome == "deny"
    assert again.codes == [{"code": "63650", "units": 2, "use": "permanent", "place_of_service": "asc",
                            "contacts": 16, "region": "thoracic", "waveform": "tonic"}]


def test_a_request_for_a_trial_is_still_approvable(store: CaseStore) -> None:
    case_id = candidate(store)
    req = store.requests.new(case_id, [ServiceLine(code="63650", units=2)], urgency="standard",
                             received_at=RECEIVED, by=INTAKE, date_of_service=DOS)
    assert req.codes == [{"code": "63650", "units": 2}]  # what older requests stored too
    assert req.rec_outcome == "approve"


def test_requests_stored_with_code_and_units_only_still_load(store: CaseStore) -> None:
    from scs_workflow.store.requests import request_lines

    case_id = candidate(store)
    req = store.requests.new(case_id, ["63650x2"], urgency="standard", received_at=RECEIVED, by=INTAKE,
                             date_of_service=DOS)
    old = dataclasses.replace(req, codes=[{"code": "63650", "units": 2}, {"code": "63685", "units": 1}])
    assert request_lines(old) == [ServiceLine(code="63650", units=2), ServiceLine(code="63685")]


def test_an_approval_records_the_setting_the_request_stated(store: CaseStore) -> None:
    case_id = candidate(store)
    req = store.requests.new(case_id, [ServiceLine(code="63650", units=2, place_of_service="hopd")],
                             urgency="standard", received_at=RECEIVED, by=INTAKE, date_of_service=DOS)
    store.requests.decide(req.request_id, "approve", by=REVIEWER, auth_number="UTN00000000002",
                          at=dt.datetime(2026, 2, 3, 9, 0, tzinfo=UTC))
    auth = store.events(case_id)[-1]
    assert auth.payload["services"] == [{"code": "63650", "units": 2}] and auth.payload["setting"] == "hopd"
