"""The migrations build exactly the tables the store queries, on both backends."""

from __future__ import annotations

import doctest
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from scs_workflow.store import CaseStore, open_store
from scs_workflow.store.database import MIGRATIONS, VERSION_TABLE, resolve_url
from scs_workflow.store.schema import metadata

from .conftest import ROOT


def test_the_migrated_database_matches_the_schema_module(store: CaseStore) -> None:
    with store.db.read() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE, "compare_type": True})
        assert compare_metadata(ctx, metadata) == []


def test_opening_again_finds_the_schema_at_its_head(store: CaseStore, db_url: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    open_store(db_url).close()
    with store.db.read() as conn:
        assert MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision() == head


def test_a_plain_path_is_a_sqlite_file_and_postgresql_urls_use_psycopg(tmp_path) -> None:
    assert resolve_url(str(tmp_path / "a.db")).drivername == "sqlite+pysqlite"
    assert resolve_url("postgresql://u@h/db").drivername == "postgresql+psycopg"


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:
    store = open_store(str(tmp_path / "wal.db"))
    with store.db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def run_pg_tests(ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["SCS_TEST_PG_URL"] = "postgresql://postgres@127.0.0.1:1/test"
    if ci:
        env["CI"] = "1"
    test = f"{Path(__file__).with_name('test_store_cases.py')}::test_an_unknown_role_may_not_record"
    return subprocess.run([sys.executable, "-m", "pytest", test, "-p", "no:cacheprovider", "-rs"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def test_postgresql_tests_skip_when_the_server_is_down_but_fail_under_ci() -> None:
    local = run_pg_tests(ci=False)
    assert local.returncode == 0 and "1 passed, 1 skipped" in local.stdout
    ci = run_pg_tests(ci=True)
    assert ci.returncode != 0 and "unreachable and CI is set" in ci.stdout


@pytest.mark.parametrize("module", ["chain", "clocks", "cases", "worklist"])
def test_the_docstring_examples_run(module: str) -> None:
    mod = importlib.import_module(f"scs_workflow.store.{module}")
    result = doctest.testmod(mod)
    assert result.attempted > 0 and result.failed == 0
