"""Append cost by log length: ms per single-event append on a case that already has N events.

An append reads the case row (version and chain head: the verified snapshot), looks the new
id up by key and validates the event with only the records cross-event rules read (trials,
corrections and what they correct), so its cost should not grow with the log. The case is
filled to N with batches, then ``--appends`` single events are timed (median and p90); the
log is audited at the end (``verify``), so speed never comes from skipping the chain.

    python benchmarks/bench_append.py [--sizes 10,1000,5000] [--appends 30] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from typing import Any

from _common import print_table
from bench_store import postgres_url, sqlite_url

from scs_workflow.engine.decision import Engine
from scs_workflow.store import Actor, open_store, verify
from scs_workflow.store.cases import Incoming

BY = Actor("bench", "intake", "benchmark")
START = dt.date(2020, 1, 1)


def pain(n: int) -> dict[str, Any]:
    day = START + dt.timedelta(days=n % 2000)
    return {"id": f"pain-{n}", "type": "pain_score", "date": day.isoformat(), "score": n % 11}


def measure(url: str, sizes: list[int], appends: int, engine: Engine) -> list[list[Any]]:
    store = open_store(url, engine=engine)
    rows = []
    try:
        for size in sizes:
            case_id = f"bench-{size}"
            store.create_case(case_id, patient_ref="SYN-BENCH", policy="medicare", diagnoses=[{"code": "M96.1"}],
                              by=BY)
            for start in range(0, size, 500):
                store.append_many(case_id, [Incoming(pain(n), BY) for n in range(start, min(size, start + 500))])
            times = []
            for n in range(size, size + appends):
                t0 = time.perf_counter()
                store.append(case_id, pain(n), by=BY)
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            t0 = time.perf_counter()
            state = store.get(case_id).state  # the pathway state, recomputed once on read
            read_ms = (time.perf_counter() - t0) * 1000
            ok = all(r.ok for r in verify(store, [case_id]))
            rows.append([size, f"{statistics.median(times):.1f}", f"{times[int(len(times) * 0.9)]:.1f}",
                         f"{read_ms:.0f}", state or "-", "yes" if ok else "NO"])
    finally:
        store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="10,1000,5000", help="log lengths before the timed appends")
    parser.add_argument("--appends", type=int, default=30, help="timed single-event appends per size")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    engine = Engine()
    rows = []
    for name, make in [("sqlite", sqlite_url), ("postgresql", postgres_url)]:
        if args.backend not in (name, "both"):
            continue
        with make() as url:
            rows += [[name, *r] for r in measure(url, sizes, args.appends, engine)]
    print_table(f"Append cost by log length ({args.appends} single-event appends per size)",
                ["backend", "events on the case", "ms per append (median)", "p90 ms",
                 "first read after (ms, state recomputed)", "state", "audit ok"], rows)


if __name__ == "__main__":
    main()
