"""JSONL import and export: idempotent, resumable, atomic per batch, even under kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scs_workflow import CaseError
from scs_workflow.cli import main
from scs_workflow.store import CaseStore, open_store, verify
from scs_workflow.store.transfer import ImportStopped, export_jsonl, import_jsonl

from .conftest import INTAKE

CASES, PER_CASE, BATCH = 20, 150, 10


def write_jsonl(path: Path, cases: int = CASES, per_case: int = PER_CASE) -> Path:
    with path.open("w") as fh:
        for c in range(cases):
            case_id = f"imp-{c:03d}"
            fh.write(json.dumps({"kind": "case", "case_id": case_id, "patient_ref": f"SYN-{c:04d}",
                                 "policy": "medicare", "diagnoses": [{"code": "M96.1"}]}) + "\n")
            for i in range(per_case):
                day = f"2025-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}"
                fh.write(json.dumps({"kind": "event", "case_id": case_id,
                                     "event": {"id": f"p-{i}", "type": "pain_score", "date": day,
                                               "score": i % 11}}) + "\n")
    return path


def import_cli(db_url: str, path: Path) -> list[str]:
    return [sys.executable, "-c", "from scs_workflow.cli import main; main()", "import", str(path), "--db", db_url,
            "--actor", "importer", "--role", "intake", "--batch-size", str(BATCH), "--no-progress"]


def test_an_import_killed_midway_leaves_whole_batches_and_a_rerun_completes_it(store: CaseStore, db_url: str,
                                                                                tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "cases.jsonl")
    total = CASES * PER_CASE
    proc = subprocess.Popen(import_cli(db_url, path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while store.count_events() < total // 10 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    stored = store.count_events()
    assert 0 < stored < total, "the import was not caught midway"
    for head in store.list_cases():  # a batch is all or nothing
        assert head.version % BATCH == 0 or head.version == PER_CASE
    assert all(r.ok for r in verify(store))

    rerun = subprocess.run(import_cli(db_url, path), capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"events {total - stored} new, {stored} already stored" in rerun.stdout
    assert store.count_events() == total
    assert all(head.version == PER_CASE for head in store.list_cases())
    assert all(r.ok for r in verify(store))


def test_importing_twice_adds_nothing_the_second_time(store: CaseStore, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "small.jsonl", cases=2, per_case=15)
    first = import_jsonl(store, path, by=INTAKE, batch_size=4)
    second = import_jsonl(store, path, by=INTAKE, batch_size=4)
    assert (first.cases_created, first.events_created) == (2, 30)
    assert (second.cases_existing, second.events_created, second.events_existing) == (2, 0, 30)
    assert store.count_events() == 30


def test_an_export_imported_elsewhere_reproduces_the_chain_exactly(store: CaseStore, fbss_case: str,
                                                                   tmp_path: Path, engine: Any) -> None:
    out = tmp_path / "export.jsonl"
    with out.open("w") as fh:
        assert export_jsonl(store, fh) == 1 + 17
    other = open_store(str(tmp_path / "other.db"), engine=engine)
    import_jsonl(other, out, by=INTAKE)
    assert other.get(fbss_case).head_hash == store.get(fbss_case).head_hash
    assert [e.hash for e in other.events(fbss_case)] == [e.hash for e in store.events(fbss_case)]


def test_an_exported_line_changed_afterwards_is_refused(store: CaseStore, fbss_case: str, tmp_path: Path,
                                                        engine: Any) -> None:
    out = tmp_path / "export.jsonl"
    with out.open("w") as fh:
        export_jsonl(store, fh)
    lines = out.read_text().splitlines()
    changed = json.loads(lines[5])
    changed["event"]["note"] = "edited after export"
    lines[5] = json.dumps(changed)
    out.write_text("\n".join(lines) + "\n")
    other = open_store(str(tmp_path / "other.db"), engine=engine)
    with pytest.raises(ImportStopped, match=r"export.jsonl:6: .*changed after export"):
        import_jsonl(other, out, by=INTAKE)
    assert other.get(fbss_case).version == 0  # the batch holding the line was not written


def test_a_bad_line_stops_the_import_at_that_line_and_a_fixed_file_resumes(store: CaseStore, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", cases=1, per_case=12)
    lines = path.read_text().splitlines()
    bad = json.loads(lines[9])
    bad["event"]["score"] = 42
    lines[9] = json.dumps(bad)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CaseError) as err:
        import_jsonl(store, path, by=INTAKE, batch_size=4)
    assert "bad.jsonl:10" in err.value.summary and err.value.problems[0].where == "$.score"
    assert store.count_events() == 8  # the two whole batches before the bad one
    write_jsonl(path, cases=1, per_case=12)
    assert import_jsonl(store, path, by=INTAKE, batch_size=4).events_created == 4
    assert store.count_events() == 12


def test_a_line_that_is_not_json_names_its_line(store: CaseStore, tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"kind": "case", "case_id": "c-1", "patient_ref": "SYN-1", "policy": "medicare"}\n{oops\n')
    with pytest.raises(CaseError, match=r"x.jsonl:2: not JSON"):
        import_jsonl(store, path, by=INTAKE)


def test_an_event_before_its_case_line_is_refused(store: CaseStore, tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"kind": "event", "case_id": "c-404", "event": {"id": "a"}}) + "\n")
    with pytest.raises(ImportStopped, match=r"x\.jsonl:1: no case .c-404."):
        import_jsonl(store, path, by=INTAKE)


def test_the_cli_import_shows_a_progress_bar_when_asked(db_url: str, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", cases=1, per_case=5)
    result = CliRunner().invoke(main, ["import", str(path), "--db", db_url, "--actor", "a", "--role", "intake",
                                       "--progress"])
    assert result.exit_code == 0, result.output
    assert "importing" in result.output and "6/6" in result.output
    assert "events 5 new, 0 already stored" in result.stdout
