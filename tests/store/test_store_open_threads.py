"""Opening a store from several threads at once: one migrates, the others find the schema at head."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from scs_workflow import Engine
from scs_workflow.store import open_store
from scs_workflow.store.database import VERSION_TABLE, _script, open_database

from .conftest import INTAKE

THREADS = 8


def test_eight_threads_opening_a_new_store_at_once_all_succeed(db_url: str, engine: Engine) -> None:
    start = threading.Barrier(THREADS)

    def open_one(n: int) -> int:
        start.wait()
        store = open_store(db_url, engine=engine)
        try:
            store.create_case(f"c-{n}", patient_ref="SYN-0001", policy="medicare", by=INTAKE)
            return store.get(f"c-{n}").version
        finally:
            store.close()

    with ThreadPoolExecutor(THREADS) as pool:
        assert list(pool.map(open_one, range(THREADS))) == [0] * THREADS
    db = open_database(db_url, upgrade=False)
    try:
        with db.read() as conn:
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            assert set(context.get_current_heads()) == set(_script().get_heads())
            assert {"cases", "case_events", "auth_requests", "request_log", VERSION_TABLE} <= set(
                inspect(conn).get_table_names())
    finally:
        db.dispose()


def test_a_failed_migration_leaves_the_database_as_it_was(db_url: str, monkeypatch) -> None:
    """Crash-safety: the migration is one transaction, so an error half-way rolls every table back."""
    from alembic.operations import Operations

    real = Operations.create_index
    calls = {"n": 0}

    def failing(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut half-way through the migration")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Operations, "create_index", failing)
    try:
        open_store(db_url)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the migration should have failed")
    monkeypatch.undo()
    db = open_database(db_url, upgrade=False)
    try:
        with db.read() as conn:
            assert not {"cases", "case_events", VERSION_TABLE} & set(inspect(conn).get_table_names())
    finally:
        db.dispose()
    store = open_store(db_url)  # and it opens (and migrates) afterwards
    store.close()


def test_threads_opening_different_new_stores_at_once_all_succeed(db_url: str, engine: Engine, tmp_path) -> None:
    """Alembic's context is process-wide: migrations of *different* databases must not interleave either."""
    places = [db_url if n % 2 == 0 else str(tmp_path / f"other-{n}.db") for n in range(THREADS)]
    start = threading.Barrier(THREADS)

    def open_one(n: int) -> str:
        start.wait()
        store = open_store(places[n], engine=engine)
        try:
            return store.create_case(f"c-{n}", patient_ref="SYN-0001", policy="medicare", by=INTAKE).case_id
        finally:
            store.close()

    for _ in range(3):
        with ThreadPoolExecutor(THREADS) as pool:
            assert list(pool.map(open_one, range(THREADS))) == [f"c-{n}" for n in range(THREADS)]
        places = [db_url if n % 2 == 0 else str(tmp_path / f"other-{n}-{_}.db") for n in range(THREADS)]


def test_the_head_constant_is_the_newest_migration() -> None:
    """Opening a store at head skips Alembic by comparing with HEAD: it must name the scripts' head."""
    from scs_workflow.store.database import HEAD

    assert {HEAD} == set(_script().get_heads())
