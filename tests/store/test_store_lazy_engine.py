"""Store commands that do not decide never build the policy engine (about 0.3 s of YAML at start-up)."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from scs_workflow import Engine
from scs_workflow.cli import main
from scs_workflow.store import CaseStore, open_store, verify
from scs_workflow.store.transfer import export_jsonl

from .conftest import EXAMPLE, INTAKE, pain


def _no_engine() -> Engine:
    raise AssertionError("the policy engine was built by a command that does not need it")


def test_export_and_reading_current_cases_never_build_the_engine(db_url: str, store: CaseStore, fbss_case: str) -> None:
    store.get(fbss_case)  # the state is cached at the current version
    lazy = open_store(db_url, engine=_no_engine)
    try:
        assert export_jsonl(lazy, io.StringIO()) == 18
        assert [c.case_id for c in lazy.list_cases()] == [fbss_case]
        assert lazy.get(fbss_case).state == "trial_succeeded"
        lazy.append(fbss_case, pain(99), by=INTAKE)  # appending does not replay the pathway either
        assert export_jsonl(lazy, io.StringIO()) == 19
    finally:
        lazy.close()
    assert all(r.ok for r in verify(store))


def test_the_cli_export_does_not_build_the_engine(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCS_DATABASE_URL", db_url)
    assert CliRunner().invoke(main, ["case", "new", "--file", str(EXAMPLE), "--actor", "a", "--role", "intake"]
                              ).exit_code == 0
    monkeypatch.setattr(Engine, "__init__", lambda *a, **k: _no_engine())
    res = CliRunner().invoke(main, ["export"])
    assert res.exit_code == 0, res.output
    assert res.stdout.count('"kind": "event"') == 17
