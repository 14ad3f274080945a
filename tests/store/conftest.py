"""Fixtures of the case-store tests: every store test runs on SQLite *and* PostgreSQL.

PostgreSQL: a database ``scs_test_<random>`` is created on ``$SCS_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``) for the session and dropped at the end;
each test gets its own schema in it, so parallel runs never collide. When the server is
unreachable the PostgreSQL tests skip - unless ``CI`` is set, where they fail.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from scs_workflow import Engine
from scs_workflow.store import Actor, CaseStore, open_store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fbss-strong-trial.json"
PG_URL = os.environ.get("SCS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
T0 = dt.datetime(2026, 6, 8, 12, 0, tzinfo=dt.UTC)  # a Monday

INTAKE = Actor("ana", "intake", "test")
NURSE = Actor("nia", "nurse", "test")
REVIEWER = Actor("rex", "reviewer", "test")


def _pg(dbname: str | None = None) -> str:
    url = make_url(PG_URL)
    if dbname:
        url = url.set(database=dbname)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    try:
        admin = psycopg.connect(_pg(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as err:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable and CI is set: {err}")
        pytest.skip(f"PostgreSQL at {PG_URL} is unreachable (set CI to make this a failure)")
    name = f"scs_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store location: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    dbname: str = request.getfixturevalue("pg_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg(dbname), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    base = make_url(PG_URL).set(drivername="postgresql+psycopg", database=dbname)
    return base.render_as_string(hide_password=False) + f"?options=-csearch_path%3D{schema}"


class Clock:
    """A settable clock for the store: ``clock.now`` is passed as the store's time source."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.at = start

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_url: str, engine: Engine, clock: Clock) -> Iterator[CaseStore]:
    s = open_store(db_url, engine=engine, now=clock.now)
    yield s
    s.close()


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return data


@pytest.fixture
def fbss_case(store: CaseStore) -> str:
    """The repository's example case (trial succeeded), recorded event by event."""
    data = example()
    store.create_case(data["case_id"], patient_ref=data["patient_ref"], policy=data["policy"],
                      diagnoses=data["diagnoses"], by=INTAKE)
    for ev in data["events"]:
        store.append(data["case_id"], ev, by=INTAKE)
    return str(data["case_id"])


def pain(n: int, score: float = 6, day: str = "2026-01-05") -> dict[str, Any]:
    return {"id": f"pain-{n}", "type": "pain_score", "date": day, "score": score}


@pytest.fixture
def empty_case(store: CaseStore) -> Callable[[str], str]:
    def make(case_id: str = "c-1") -> str:
        store.create_case(case_id, patient_ref="SYN-0001", policy="medicare", diagnoses=[{"code": "M96.1"}],
                          by=INTAKE)
        return case_id

    return make
