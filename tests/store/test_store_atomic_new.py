"""Opening a case with its events is one transaction: an invalid event leaves nothing, not even the header."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scs_workflow import CaseError
from scs_workflow.cli import main
from scs_workflow.store import CaseStore
from scs_workflow.store.cases import Incoming

from .conftest import EXAMPLE, INTAKE, example, pain


def test_case_new_with_an_invalid_event_leaves_no_case_header(store: CaseStore) -> None:
    with pytest.raises(CaseError, match="nothing was written"):
        store.create_case("c-1", patient_ref="SYN-0001", policy="medicare", by=INTAKE,
                          events=[Incoming(pain(1), INTAKE), Incoming(pain(2, score=12), INTAKE)])
    assert store.find("c-1") is None
    assert store.count_events() == 0


def test_case_new_with_valid_events_records_header_and_events_together(store: CaseStore) -> None:
    head = store.create_case("c-1", patient_ref="SYN-0001", policy="medicare", by=INTAKE,
                             events=[Incoming(pain(1), INTAKE), Incoming(pain(2), INTAKE)])
    assert head.version == 2 and [e.event_id for e in store.events("c-1")] == ["pain-1", "pain-2"]


def test_cli_case_new_file_with_an_invalid_event_writes_nothing(db_url: str, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCS_DATABASE_URL", db_url)
    data = example()
    data["events"][-1] = {**data["events"][-1], "id": "broken", "type": "pain_score", "score": 12}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    res = CliRunner().invoke(main, ["case", "new", "--file", str(bad), "--actor", "ana", "--role", "intake"])
    assert res.exit_code == 2 and "$.events[16].score" in res.stderr  # refused before any write
    shown = CliRunner().invoke(main, ["case", "show", data["case_id"]])
    assert shown.exit_code != 0 and "no case" in shown.stderr
    good = CliRunner().invoke(main, ["case", "new", "--file", str(EXAMPLE), "--actor", "ana", "--role", "intake"])
    assert good.exit_code == 0 and "17 of 17 event(s) recorded" in good.stdout
