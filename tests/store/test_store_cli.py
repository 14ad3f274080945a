"""The store's commands, as a PA team runs them: exit statuses and what they print."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scs_workflow.cli import main

from .conftest import EXAMPLE


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SCS_DATABASE_URL", db_url)
    monkeypatch.setenv("SCS_ACTOR", "ana")
    monkeypatch.setenv("SCS_ROLE", "intake")
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=stdin)

    return invoke


def test_a_case_from_the_example_file_is_opened_with_its_events(run) -> None:
    res = run("case", "new", "--file", str(EXAMPLE))
    assert res.exit_code == 0, res.stderr
    assert "17 of 17 event(s) recorded" in res.stdout and "pathway state trial_succeeded" in res.stdout
    again = run("case", "new", "--file", str(EXAMPLE))
    assert again.exit_code == 0 and "0 of 17 event(s) recorded" in again.stdout


def test_case_add_from_stdin_then_resend_then_stale_version(run) -> None:
    run("case", "new", "c-1", "--patient-ref", "SYN-0001", "--policy", "medicare", "--diagnosis", "M96.1")
    event = json.dumps({"id": "pain-1", "type": "pain_score", "date": "2026-01-05", "score": 7})
    first = run("case", "add", "c-1", "-", "--expect-version", "0", stdin=event)
    assert first.exit_code == 0 and "event pain-1 recorded as seq 1; version 1" in first.stdout
    again = run("case", "add", "c-1", "-", "--expect-version", "0", stdin=event)
    assert again.exit_code == 0 and "already recorded as seq 1" in again.stdout and "nothing written" in again.stdout
    stale = run("case", "add", "c-1", "-", "--expect-version", "0", stdin=event.replace("pain-1", "pain-2"))
    assert stale.exit_code == 3 and "expected version 0 but it is at 1" in stale.stderr


def test_an_invalid_event_exits_2_with_its_field_path(run) -> None:
    run("case", "new", "c-1", "--patient-ref", "SYN-0001", "--policy", "medicare")
    res = run("case", "add", "c-1", "-", stdin='{"id": "p", "type": "pain_score", "date": "2026-01-05", "score": 12}')
    assert res.exit_code == 2
    assert "$.score: Input should be less than or equal to 10" in res.stderr and "Traceback" not in res.output


def test_a_denial_by_a_nurse_is_refused_and_by_a_reviewer_is_recorded(run) -> None:
    run("case", "new", "--file", str(EXAMPLE))
    made = run("request", "new", "ex-fbss-001", "--code", "63650", "--received-at", "2026-06-05T23:59",
               "--date-of-service", "2026-06-15", "--request-id", "r-1")
    assert made.exit_code == 0 and "due 2026-06-12 23:59 UTC (medicare-opd)" in made.stdout
    refused = run("request", "decide", "r-1", "--outcome", "deny", "--actor", "nia", "--role", "nurse",
                  "--rationale", "no")
    assert refused.exit_code == 1 and "a deny needs an actor with role reviewer or medical_director" in refused.stderr
    done = run("request", "decide", "r-1", "--outcome", "deny", "--actor", "rex", "--role", "reviewer",
               "--rationale", "trial diary missing", "--at", "2026-06-08T10:00")
    assert done.exit_code == 0 and "deny by rex (reviewer)" in done.stdout
    shown = json.loads(run("case", "show", "ex-fbss-001", "--json").stdout)
    assert shown["requests"][0]["outcome"] == "deny" and shown["pathway_state"]["state"] == "trial_succeeded"
    assert [e["seq"] for e in shown["events"]] == list(range(1, 18))


def test_worklist_metrics_and_audit_run(run) -> None:
    run("case", "new", "--file", str(EXAMPLE))
    run("request", "new", "ex-fbss-001", "--code", "63650", "--urgency", "expedited",
        "--received-at", "2026-06-05T17:00", "--request-id", "r-1")
    work = json.loads(run("worklist", "--now", "2026-06-10T00:00", "--json").stdout)
    assert work["open"][0]["request_id"] == "r-1" and work["open"][0]["overdue"] is True
    assert work["cases_by_state"] == {"trial_succeeded": ["ex-fbss-001"]}
    figures = json.loads(run("metrics", "--json").stdout)
    assert figures["expedited"]["received"] == 1 and figures["expedited"]["open"] == 1
    audit = run("audit", "verify")
    assert audit.exit_code == 0 and "case ex-fbss-001: ok (17 records" in audit.stdout


def test_export_then_import_into_another_store(run, tmp_path: Path) -> None:
    run("case", "new", "--file", str(EXAMPLE))
    out = tmp_path / "all.jsonl"
    assert run("export", "-o", str(out)).exit_code == 0
    assert len(out.read_text().splitlines()) == 18
    other = tmp_path / "other.db"
    res = run("import", str(out), "--db", str(other))
    assert res.exit_code == 0 and "events 17 new, 0 already stored" in res.stdout
    assert run("audit", "verify", "--db", str(other)).exit_code == 0


def test_an_unreachable_database_is_a_clear_error_not_a_traceback() -> None:
    res = CliRunner().invoke(main, ["case", "list", "--db", "postgresql://postgres@127.0.0.1:1/test"])
    assert res.exit_code == 1
    assert res.stderr.startswith("error: cannot connect to postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert "Traceback" not in res.output


def test_deciding_a_case_file_does_not_import_sqlalchemy() -> None:
    code = ("import sys; from scs_workflow.cli import main\n"
            f"main(['decide', {str(EXAMPLE)!r}, '--code', '63650', '--date', '2026-06-15'], standalone_mode=False)\n"
            "print('sqlalchemy' in sys.modules, 'alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False False"


def test_request_new_keeps_the_line_facts_given_on_the_command_line(run, tmp_path: Path) -> None:
    run("case", "new", "--file", str(EXAMPLE))
    made = run("request", "new", "ex-fbss-001", "--code", "63650x2:permanent", "--place-of-service", "office",
               "--received-at", "2026-06-05T23:59", "--date-of-service", "2026-06-15", "--request-id", "r-1")
    assert made.exit_code == 0 and "recommendation deny" in made.stdout  # a permanent implant in an office
    lines = tmp_path / "lines.json"
    lines.write_text(json.dumps({"place_of_service": "asc", "lines": [{"code": "63650", "units": 2, "use": "permanent"},
                                                                      {"code": "63685"}]}))
    asc = run("request", "new", "ex-fbss-001", "--request", str(lines), "--received-at", "2026-06-05T23:59",
              "--date-of-service", "2026-06-15", "--request-id", "r-2")
    assert asc.exit_code == 0 and "recommendation approve" in asc.stdout
    shown = json.loads(run("request", "show", "r-1", "--json").stdout)
    assert shown["codes"] == [{"code": "63650", "units": 2, "use": "permanent",
                               "place_of_service": "office"}]
