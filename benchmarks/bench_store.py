"""Store throughput: events appended per second (1 and 8 writers) and decisions read back per second.

Each figure stands next to a baseline measured in the same run on the same database:

* appends: the same event JSON inserted as plain rows, one transaction each, with no
  validation, no version check, no hash chain and no pathway snapshot — what the database
  alone costs, so the ratio is the price of the store's guarantees;
* decisions: the same cases decided from memory — the ratio is the price of reading a case
  back out of the store.

    python benchmarks/bench_store.py [--cases 200] [--backend sqlite|postgresql|both]

PostgreSQL: ``SCS_BENCH_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``); a
database ``scs_bench_<random>`` is created there and dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import DATE, print_table, ratio
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, insert, text

from scs_workflow.engine.decision import Engine
from scs_workflow.store import Actor, open_store
from scs_workflow.testing.synthetic import generate

WRITERS = 8
CODES = ["63650", "63685"]
BY = Actor("bench", "intake", "benchmark")


def workload(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """*n* synthetic cases with ids made unique per run."""
    tag = secrets.token_hex(3)
    cases = []
    for c in generate(n, seed):
        c = dict(c, case_id=f"{c['case_id']}-{tag}")
        cases.append(c)
    return cases


# --- the store ------------------------------------------------------------------------


def _store_writer(url: str, cases: list[dict[str, Any]]) -> int:
    store = open_store(url)
    count = 0
    for c in cases:
        store.create_case(c["case_id"], patient_ref=c["patient_ref"], policy=c["policy"],
                          diagnoses=c.get("diagnoses", []), by=BY)
        for version, ev in enumerate(c["events"]):
            store.append(c["case_id"], ev, by=BY, expected_version=version)
            count += 1
    store.close()
    return count


def _plain_writer(url: str, table_name: str, cases: list[dict[str, Any]]) -> int:
    engine = create_engine(url)
    table = _plain_table(table_name)
    count = 0
    with engine.connect() as conn:
        for c in cases:
            for ev in c["events"]:
                with conn.begin():
                    conn.execute(insert(table).values(case_id=c["case_id"], event_id=ev["id"],
                                                      payload=json.dumps(ev, sort_keys=True)))
                count += 1
    engine.dispose()
    return count


def _plain_table(name: str) -> Table:
    return Table(name, MetaData(), Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("case_id", String(64)), Column("event_id", String(64)), Column("payload", Text))


def _run(writers: int, target: Any, args_for: list[tuple[Any, ...]]) -> tuple[int, float]:
    start = time.perf_counter()
    if writers == 1:
        n = target(*args_for[0])
    else:
        with mp.get_context("fork").Pool(writers) as pool:
            n = sum(pool.starmap(target, args_for))
    return n, time.perf_counter() - start


def _split(items: list[Any], parts: int) -> list[list[Any]]:
    return [items[i::parts] for i in range(parts)]


def measure(url: str, n_cases: int) -> list[list[str]]:
    rows = []
    table_name = f"plain_{secrets.token_hex(3)}"
    plain_engine = create_engine(url)
    _plain_table(table_name).metadata.create_all(plain_engine)
    open_store(url).close()  # migrate once, outside the timings
    for writers in (1, WRITERS):
        cases = workload(n_cases)
        parts = _split(cases, writers)
        n, secs = _run(writers, _store_writer, [(url, p) for p in parts])
        base_cases = workload(n_cases)
        bn, bsecs = _run(writers, _plain_writer, [(url, table_name, p) for p in _split(base_cases, writers)])
        rows.append([f"append, {writers} writer{'s' if writers > 1 else ''}", f"{n / secs:,.0f} events/s",
                     f"{bn / bsecs:,.0f} rows/s (plain INSERT)", ratio(bn / bsecs, n / secs) + " slower"])
    # decisions read back through the store, against the same cases decided from memory
    store = open_store(url)
    engine = Engine()
    ids = [c["case_id"] for c in cases]
    start = time.perf_counter()
    for cid in ids:
        engine.decide(store.case(cid), CODES, DATE)
    through_store = len(ids) / (time.perf_counter() - start)
    in_memory = [store.case(cid) for cid in ids]
    start = time.perf_counter()
    for case in in_memory:
        engine.decide(case, CODES, DATE)
    from_memory = len(ids) / (time.perf_counter() - start)
    rows.append(["decide, case read from the store", f"{through_store:,.0f} decisions/s",
                 f"{from_memory:,.0f} decisions/s (case in memory)", ratio(from_memory, through_store) + " slower"])
    store.close()
    with plain_engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {table_name}"))
    plain_engine.dispose()
    return rows


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


@contextmanager
def postgres_url() -> Iterator[str]:
    admin_url = os.environ.get("SCS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"scs_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=200, help="cases per measurement (~20 events each)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    rows = []
    backends = [("sqlite", sqlite_url), ("postgresql", postgres_url)]
    for name, make in backends:
        if args.backend not in (name, "both"):
            continue
        with make() as url:
            rows += [[name, *r] for r in measure(url, args.cases)]
    print_table(f"Store throughput ({args.cases} synthetic cases per measurement)",
                ["backend", "figure", "scs-workflow store", "baseline, same run", "ratio"], rows)


if __name__ == "__main__":
    main()
