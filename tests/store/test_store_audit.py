"""`audit verify` finds an edited, reordered or deleted record and names it."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import delete, update

from scs_workflow import ServiceLine
from scs_workflow.cli import main
from scs_workflow.store import CaseStore, verify
from scs_workflow.store.schema import auth_requests, case_events, cases, request_log

from .conftest import INTAKE, REVIEWER

CASE = "ex-fbss-001"


def findings(store: CaseStore) -> list[str]:
    return [f"{r.kind} {r.id}: {f}" for r in verify(store) for f in r.findings]


def sql(store: CaseStore, *statements: object) -> None:
    with store.db.write() as conn:
        for s in statements:
            conn.execute(s)  # type: ignore[call-overload]


def test_an_untouched_store_verifies(store: CaseStore, fbss_case: str) -> None:
    reports = verify(store)
    assert [(r.kind, r.id, r.ok, r.records) for r in reports] == [("case", CASE, True, 17)]


def test_an_edited_event_is_found_and_named(store: CaseStore, fbss_case: str) -> None:
    sql(store, update(case_events).where(case_events.c.case_id == CASE, case_events.c.seq == 5)
        .values(payload='{"date":"2025-12-01","id":"pain-1","note":null,"score":3,"type":"pain_score"}'))
    assert findings(store) == [f"case {CASE}: seq 5 (pain-1): edited: the event's content no longer matches its hash"]


def test_an_edited_effective_date_is_found(store: CaseStore, fbss_case: str) -> None:
    sql(store, update(case_events).where(case_events.c.case_id == CASE, case_events.c.event_id == "to-1")
        .values(effective_date=dt.date(2026, 5, 9)))
    assert findings(store) == [f"case {CASE}: seq 17 (to-1): edited: the event's content no longer matches its hash"]


def test_a_deleted_event_is_found(store: CaseStore, fbss_case: str) -> None:
    sql(store, delete(case_events).where(case_events.c.case_id == CASE, case_events.c.seq == 9))
    [found] = findings(store)
    assert found == f"case {CASE}: seq 9: missing: an event was deleted (the log goes on with seq 10, event 'su-1')"


def test_deleting_the_last_event_is_found_from_the_case_version(store: CaseStore, fbss_case: str) -> None:
    sql(store, delete(case_events).where(case_events.c.case_id == CASE, case_events.c.seq == 17))
    [found] = findings(store)
    assert "at version 17 but its log ends at seq 16" in found


def test_two_swapped_events_are_found_as_reordered(store: CaseStore, fbss_case: str) -> None:
    where = case_events.c.case_id == CASE
    sql(store, update(case_events).where(where, case_events.c.seq == 3).values(seq=-3),
        update(case_events).where(where, case_events.c.seq == 4).values(seq=3),
        update(case_events).where(where, case_events.c.seq == -3).values(seq=4))
    assert findings(store) == [f"case {CASE}: seq 3 (px-1): reordered: this event was recorded as seq 4, not seq 3"]


def test_an_edited_case_header_breaks_the_chain_at_its_start(store: CaseStore, fbss_case: str) -> None:
    sql(store, update(cases).where(cases.c.case_id == CASE).values(policy="aetna"))
    [found] = findings(store)
    assert "seq 1 (cc-1): does not chain to its start: the case header" in found


def test_an_edited_request_decision_is_found(store: CaseStore, fbss_case: str, clock) -> None:
    req = store.requests.new(CASE, [ServiceLine(code="63650", place_of_service="hopd")], urgency="standard",
                             received_at=clock.at, by=INTAKE, date_of_service=dt.date(2026, 6, 15))
    store.requests.decide(req.request_id, "approve", by=REVIEWER, auth_number="UTN-1")
    assert findings(store) == []
    sql(store, update(auth_requests).where(auth_requests.c.request_id == req.request_id).values(outcome="deny"))
    assert findings(store) == [f"request {req.request_id}: header (outcome): the request row says 'deny' but its "
                               "log says 'approve': the row was edited"]


def test_an_edited_request_log_entry_is_found(store: CaseStore, fbss_case: str, clock) -> None:
    req = store.requests.new(CASE, ["63650"], urgency="expedited", received_at=clock.at, by=INTAKE)
    sql(store, update(request_log).where(request_log.c.request_id == req.request_id, request_log.c.seq == 1)
        .values(actor="mallory"))
    [found] = findings(store)
    assert found.startswith(f"request {req.request_id}: seq 1 (received): edited")


def test_the_cli_names_the_broken_seq_and_fails(store: CaseStore, fbss_case: str, db_url: str) -> None:
    ok = CliRunner().invoke(main, ["audit", "verify", "--db", db_url])
    assert ok.exit_code == 0 and f"case {CASE}: ok (17 records" in ok.stdout
    sql(store, update(case_events).where(case_events.c.case_id == CASE, case_events.c.seq == 12)
        .values(actor="mallory"))
    bad = CliRunner().invoke(main, ["audit", "verify", "--db", db_url])
    assert bad.exit_code == 1
    assert "seq 12 (att-1): edited" in bad.stdout
    assert f"1 of 1 logs do not verify: case {CASE}" in bad.stderr
