"""Several processes append to one case at once: no lost event, no gap, a chain that verifies."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scs_workflow import ConcurrencyConflict
from scs_workflow.store import CaseStore, verify

from .conftest import INTAKE, NURSE, REVIEWER, pain

WORKER = Path(__file__).with_name("worker.py")
WORKERS, APPENDS = 4, 25


def run_workers(db_url: str, case_id: str, tmp_path: Path, *extra: str) -> list[dict[str, int]]:
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, str(WORKER), db_url, case_id, f"w{n}", str(APPENDS), str(go), *extra],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(WORKERS)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("go.*.ready"))) < WORKERS and time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    go.write_text("go")  # all start appending together
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_four_processes_appending_at_once_lose_nothing(store: CaseStore, empty_case, db_url: str,
                                                       tmp_path: Path) -> None:
    case_id = empty_case()
    results = run_workers(db_url, case_id, tmp_path)
    events = store.events(case_id)
    assert sum(r["created"] for r in results) == WORKERS * APPENDS
    assert len(events) == store.get(case_id).version == WORKERS * APPENDS
    assert [e.seq for e in events] == list(range(1, WORKERS * APPENDS + 1))
    assert len({e.event_id for e in events}) == WORKERS * APPENDS
    for n in range(WORKERS):  # each writer's events are in the order it wrote them
        mine = [int(e.event_id.split("-")[1]) for e in events if e.actor == f"w{n}"]
        assert mine == list(range(APPENDS))
    assert all(r.ok for r in verify(store, [case_id]))


def test_processes_resending_the_same_ids_store_each_event_once(store: CaseStore, empty_case, db_url: str,
                                                                tmp_path: Path) -> None:
    case_id = empty_case()
    results = run_workers(db_url, case_id, tmp_path, "--same-ids")
    assert sum(r["created"] for r in results) == APPENDS
    assert [e.event_id for e in store.events(case_id)] == [f"shared-{i}" for i in range(APPENDS)]
    assert all(r.ok for r in verify(store, [case_id]))


def test_two_writers_with_the_same_version_one_wins_one_is_told(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    seen = store.get(case_id).version
    store.append(case_id, pain(1), by=NURSE, expected_version=seen)
    with pytest.raises(ConcurrencyConflict, match="expected version 0 but it is at 1"):
        store.append(case_id, pain(2), by=REVIEWER, expected_version=seen)
    assert [e.event_id for e in store.events(case_id)] == ["pain-1"]


def test_without_an_expected_version_the_event_goes_on_the_head(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    store.append(case_id, pain(1), by=INTAKE)
    assert store.append(case_id, pain(2), by=INTAKE).record.seq == 2
