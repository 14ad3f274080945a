"""Worklists and the CMS-0057-F figures: what is due next, what waits, how fast and how often."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from scs_workflow import ServiceLine
from scs_workflow.store import CaseStore
from scs_workflow.store.schema import cases
from scs_workflow.store.worklist import cases_by_state, metrics, open_requests, pended_requests, percentile

from .conftest import INTAKE, NURSE, REVIEWER

UTC = dt.UTC
DOS = dt.date(2026, 6, 15)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def request(store: CaseStore, case_id: str, rid: str, received: str, urgency: str = "standard") -> None:
    store.requests.new(case_id, [ServiceLine(code="63650", place_of_service="hopd")], urgency=urgency,
                       received_at=at(received), by=INTAKE,
                       date_of_service=DOS, clocks=["cms-0057-f"], request_id=rid)


def test_open_requests_come_by_due_time_overdue_first(store: CaseStore, fbss_case: str) -> None:
    request(store, fbss_case, "standard-fri", "2026-06-05T23:59")  # due Fri 12 June 23:59
    request(store, fbss_case, "expedited-mon", "2026-06-08T09:00", "expedited")  # due Thu 11 June 09:00
    request(store, fbss_case, "standard-old", "2026-06-01T10:00")  # due Mon 8 June 10:00
    request(store, fbss_case, "decided", "2026-06-01T09:00")
    store.requests.decide("decided", "deny", by=REVIEWER, rationale="x", at=at("2026-06-02T09:00"))
    items = open_requests(store, at("2026-06-08T12:00"))
    assert [(i.request.request_id, i.overdue) for i in items] == [
        ("standard-old", True), ("expedited-mon", False), ("standard-fri", False)]
    assert items[0].due_in == -dt.timedelta(hours=2)


def test_a_request_is_not_overdue_at_its_due_time_only_after_it(store: CaseStore, fbss_case: str) -> None:
    request(store, fbss_case, "r", "2026-06-01T10:00")
    assert [i.overdue for i in open_requests(store, at("2026-06-08T10:00"))] == [False]
    assert [i.overdue for i in open_requests(store, at("2026-06-08T10:00:01"))] == [True]


def test_pended_requests_come_longest_waiting_first(store: CaseStore, fbss_case: str, clock) -> None:
    for rid in ("a", "b"):
        request(store, fbss_case, rid, "2026-06-05T08:00")
    store.requests.decide("b", "pend", by=NURSE, rationale="diary", at=at("2026-06-05T09:00"))
    store.requests.decide("a", "pend", by=NURSE, rationale="diary", at=at("2026-06-06T09:00"))
    items = pended_requests(store, at("2026-06-08T09:00"))
    assert [(p.request.request_id, p.age) for p in items] == [("b", dt.timedelta(days=3)), ("a", dt.timedelta(days=2))]


def test_cases_are_grouped_by_pathway_state(store: CaseStore, fbss_case: str, empty_case) -> None:
    """A cached state older than the log is recomputed when the cases are read, never shown stale."""
    empty_case("c-new")
    empty_case("c-stale")
    with store.db.write() as conn:
        conn.execute(update(cases).where(cases.c.case_id == "c-stale").values(state="trial_failed", state_version=-1))
    groups = {k: [c.case_id for c in v] for k, v in cases_by_state(store).items()}
    assert groups == {"intake": ["c-new", "c-stale"], "trial_succeeded": [fbss_case]}


def test_metrics_give_rates_and_turnaround_by_urgency(store: CaseStore, fbss_case: str, clock) -> None:
    def decided(rid: str, urgency: str, hours: float, outcome: str, pend: bool = False) -> None:
        clock.at = at("2026-06-02T08:00")
        request(store, fbss_case, rid, "2026-06-02T08:00", urgency)
        if pend:
            store.requests.decide(rid, "pend", by=NURSE, rationale="more", at=clock.at + dt.timedelta(hours=1))
        when = clock.at + dt.timedelta(hours=hours)
        if outcome == "deny":
            store.requests.decide(rid, "deny", by=REVIEWER, rationale="not supported", at=when)
        else:
            store.requests.decide(rid, "approve", by=NURSE, auth_number=f"A-{rid}", at=when)

    decided("s1", "standard", 10, "approve")
    decided("s2", "standard", 20, "approve", pend=True)
    decided("s3", "standard", 30, "deny")
    decided("s4", "standard", 200, "approve")  # past 7 days: late
    decided("e1", "expedited", 5, "approve")
    decided("e2", "expedited", 80, "deny")  # past 72 hours: late
    request(store, fbss_case, "e3", "2026-06-03T08:00", "expedited")
    figures = metrics(store)
    s, e, total = figures["standard"], figures["expedited"], figures["all"]
    assert (s.received, s.decided, s.approved, s.denied, s.pended, s.open) == (4, 4, 3, 1, 1, 0)
    assert (s.approval_rate, s.denial_rate, s.pend_rate, s.on_time_rate) == (0.75, 0.25, 0.25, 0.75)
    assert (s.median_hours, s.p90_hours) == (25.0, 200.0)
    assert (e.received, e.decided, e.open, e.on_time, e.median_hours, e.p90_hours) == (3, 2, 1, 1, 42.5, 80.0)
    assert (total.received, total.decided, total.approved, total.denied) == (7, 6, 4, 2)
    window = metrics(store, since=at("2026-06-03T00:00"))
    assert (window["all"].received, window["all"].decided, window["all"].median_hours) == (1, 0, None)


def test_p90_is_the_nearest_rank() -> None:
    assert percentile([float(h) for h in range(1, 21)], 90) == 18.0
    assert percentile([3.0, 7.0], 90) == 7.0
