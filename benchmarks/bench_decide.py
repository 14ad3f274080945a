"""Decision latency: one ``Engine.decide`` on a ~20-event Medicare case, against two baselines.

    python benchmarks/bench_decide.py [--n 3000] [--seed 11] [--codes 63650,63685] [--place-of-service asc]
                                      [--repeats 7]

- **floor**: ``benchmarks/floor.py``, the same Medicare rules hand-written in plain Python
  (same input, same state/outcomes/failing criteria; no explanation, no pydantic output);
- **naive**: ``benchmarks/naive.py``, the engine with a ``transitions.Machine`` built per case;
- **engine.outcomes**: the engine's same judgement without the explanation (what ``batch --compact`` runs).

All three run on the same validated cases (the Medicare cases of the synthetic mix, plus
one fixed 20-event case), interleaved, GC on; the figure is the best of the repeats' mean
µs per decision (the median is shown beside it). Agreement with the engine is counted first.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import DATE, print_table, ratio, settle_heap, synthetic_cases
from benchmarks.floor import decide_floor
from benchmarks.naive import NaiveEngine
from scs_workflow.engine.decision import Decision, Engine, Outcomes
from scs_workflow.model.case import Case
from scs_workflow.model.service import ServiceLine

_FAILING = ("not_met", "insufficient")


def summary(d: Decision) -> tuple[str, list[tuple[str, str, list[str]]]]:
    """What the floor answers, read off a full decision."""
    return d.pathway_state, [(c.code, c.outcome.value, [r.id for r in c.criteria if r.status.value in _FAILING]
                              + [f.edit for f in c.coding]) for c in d.codes]


def _short(o: Outcomes) -> tuple[str, list[tuple[str, str, list[str]]]]:
    return o.state, [(code, outcome.value, failing) for code, outcome, failing in o.codes]


def timed(fn: Callable[[Case], Any], cases: list[Case], loops: int = 1) -> float:
    """Mean µs per call over *cases* (each *loops* times)."""
    t0 = time.perf_counter()
    for _ in range(loops):
        for case in cases:
            fn(case)
    return (time.perf_counter() - t0) / (len(cases) * loops) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="synthetic cases to draw (about half are Medicare)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--codes", default="63650,63685")
    ap.add_argument("--place-of-service", default="asc", choices=("office", "asc", "hopd", "inpatient", "none"),
                    help="the lines' place of service (none: unstated, so permanent implants pend for it)")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()

    pos = None if args.place_of_service == "none" else args.place_of_service
    lines = [ServiceLine(code=c, place_of_service=pos) for c in args.codes.split(",")]
    cases = synthetic_cases(args.n, args.seed, policy="medicare")
    single = next(c for c in cases if len(c.events) == 20)
    engine, naive = Engine(), NaiveEngine()
    variants: dict[str, Callable[[Case], Any]] = {
        "engine (shared machine)": lambda c: engine.decide(c, lines, DATE),
        "engine.outcomes (no explanation)": lambda c: engine.outcomes(c, lines, DATE),
        "floor (hand-written)": lambda c: decide_floor(c, lines, DATE),
        "naive (Machine per case)": lambda c: naive.decide(c, lines, DATE),
    }

    floor_off = sum(summary(engine.decide(c, lines, DATE)) != decide_floor(c, lines, DATE) for c in cases)
    fast_off = sum(summary(engine.decide(c, lines, DATE)) != _short(engine.outcomes(c, lines, DATE)) for c in cases)
    naive_off = sum(summary(engine.decide(c, lines, DATE)) != summary(naive.decide(c, lines, DATE)) for c in cases)
    events = sum(len(c.events) for c in cases) / len(cases)
    print(f"{len(cases)} Medicare cases, {events:.1f} events on average; codes {args.codes} "
          f"(place of service {args.place_of_service}); date {DATE}")
    print(f"disagreements with the engine (state, outcome, failing criteria): floor {floor_off}, naive {naive_off}, "
          f"outcomes {fast_off}")

    settle_heap()
    mix: dict[str, list[float]] = {k: [] for k in variants}
    one: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(args.repeats):
        for name, fn in variants.items():  # interleaved: drift and noise hit every variant alike
            mix[name].append(timed(fn, cases))
            one[name].append(timed(fn, [single], loops=300))

    floor_mix, floor_one = min(mix["floor (hand-written)"]), min(one["floor (hand-written)"])
    engine_mix = min(mix["engine (shared machine)"])
    rows = []
    for name in variants:
        rows.append([name, f"{min(mix[name]):,.1f}", f"{statistics.median(mix[name]):,.1f}",
                     ratio(min(mix[name]), floor_mix), ratio(min(mix[name]), engine_mix),
                     f"{min(one[name]):,.1f}", ratio(min(one[name]), floor_one)])
    print_table(
        f"Decision latency, µs per decide ({len(cases)} Medicare cases; one fixed 20-event case, "
        f"{args.repeats} repeats)",
        ["variant", "mix µs (best)", "mix µs (median)", "vs floor", "vs engine", "20-event case µs", "vs floor"],
        rows,
    )
    print("- target: engine <= 3x the floor")


if __name__ == "__main__":
    main()
