"""A request re-sent with the same --request-id and no --received-at is a replay, not a new request."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from scs_workflow.cli import main
from scs_workflow.store import CaseStore
from scs_workflow.store.errors import IdempotencyConflict

from .conftest import EXAMPLE, INTAKE, Clock


def test_the_same_request_sent_twice_without_a_received_time_is_recognised(store: CaseStore, fbss_case: str,
                                                                          clock: Clock) -> None:
    first = store.requests.new(fbss_case, ["63650"], urgency="standard", by=INTAKE, request_id="r-1")
    clock.advance(minutes=7)  # the retry comes later: "now" differs
    again = store.requests.new(fbss_case, ["63650"], urgency="standard", by=INTAKE, request_id="r-1")
    assert again == first and [e.action for e in store.requests.log("r-1")] == ["received", "recommended"]


def test_a_replay_with_other_content_or_an_explicit_other_time_is_refused(store: CaseStore, fbss_case: str,
                                                                         clock: Clock) -> None:
    first = store.requests.new(fbss_case, ["63650"], urgency="standard", by=INTAKE, request_id="r-1")
    clock.advance(minutes=7)
    with pytest.raises(IdempotencyConflict):
        store.requests.new(fbss_case, ["63650"], urgency="expedited", by=INTAKE, request_id="r-1")
    with pytest.raises(IdempotencyConflict):
        store.requests.new(fbss_case, ["63650"], urgency="standard", by=INTAKE, request_id="r-1",
                           received_at=clock.now())
    same_time = store.requests.new(fbss_case, ["63650"], urgency="standard", by=INTAKE, request_id="r-1",
                                   received_at=first.received_at)
    assert same_time == first


def test_cli_request_new_twice_without_received_at_succeeds(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCS_DATABASE_URL", db_url)
    monkeypatch.setenv("SCS_ACTOR", "ana")
    monkeypatch.setenv("SCS_ROLE", "intake")
    assert CliRunner().invoke(main, ["case", "new", "--file", str(EXAMPLE)]).exit_code == 0
    args = ["request", "new", "ex-fbss-001", "--code", "63650", "--request-id", "r-1"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.stderr
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.stderr
    assert "r-1" in again.stdout
