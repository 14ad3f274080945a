"""Memory per tracked case: what the tracker holds beyond the case data, against two baselines.

    python benchmarks/bench_memory.py [--n 100000] [--baseline-n 10000] [--seed 5]

Each variant runs in a fresh process (``--variant`` is the worker mode). Method, per
variant: validate the cases, warm the engine up, ``gc.collect()``, read tracemalloc's
traced total (A); track every case; collect and read again (B); bytes per case =
(B - A) / N. The case data (A) is printed too, per case.

- **tracker**: :class:`scs_workflow.testing.tracker.CaseTracker` (shared machine, slotted entry);
- **add_model**: one shared ``transitions.Machine`` per policy (library defaults) and
  ``machine.add_model(wrapper, initial=state)`` per case;
- **machine per case**: ``Machine(model=wrapper, ...)`` per case (library defaults).

Every variant replays each case the same way (the engine's shared pathway); only what it
keeps, and how it attaches it, differs.
They run on fewer cases (``--baseline-n``): ``add_model`` is O(n) per case and a machine
per case costs ~100 KB, so 100,000 of them would not finish in minutes (or fit) under
tracemalloc. Bytes per case do not depend on N for them (transitions.md §2.3).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import DATE, print_table, ratio, synthetic_cases

VARIANTS = ("tracker", "add_model", "machine_per_case")


class _Tracked:
    """The model a baseline gives transitions: the case and its state."""

    def __init__(self, case: Any) -> None:
        self.case = case


def measure(variant: str, n: int, seed: int) -> dict[str, float]:
    from transitions import Machine

    from scs_workflow.engine.decision import Engine
    from scs_workflow.model.facts import CaseView
    from scs_workflow.testing.tracker import CaseTracker

    engine = Engine()
    tracker = CaseTracker(engine, as_of=DATE)
    for case in synthetic_cases(30, seed + 1):  # compile every policy before measuring
        tracker.track(case)
        tracker.forget(case.case_id)
    machines: dict[str, Any] = {}
    specs: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}

    def shape(case: Any) -> tuple[list[str], list[dict[str, Any]]]:
        pol = engine.policy_for(case, DATE)
        if pol.key not in specs:
            specs[pol.key] = ([s.name for s in pol.states],
                              [{"trigger": t.trigger, "source": s, "dest": t.dest} for t in pol.transitions
                               for s in t.source])
        return specs[pol.key]

    def replayed(case: Any) -> str:
        return engine.compiled(engine.policy_for(case, DATE)).pathway.replay(CaseView(case), DATE).state

    tracemalloc.start()
    cases = synthetic_cases(n, seed)
    for c in cases:
        shape(c)
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    keep: list[Any] = []
    t0 = time.perf_counter()
    if variant == "tracker":
        for case in cases:
            tracker.track(case)
    elif variant == "add_model":
        for case in cases:
            names, transitions = shape(case)
            key = case.policy
            if key not in machines:
                machines[key] = Machine(model=None, states=names, initial=names[0], transitions=transitions)
            wrapper = _Tracked(case)
            machines[key].add_model(wrapper, initial=replayed(case))
            keep.append(wrapper)
    else:
        for case in cases:
            names, transitions = shape(case)
            wrapper = _Tracked(case)
            Machine(model=wrapper, states=names, initial=replayed(case), transitions=transitions)
            keep.append(wrapper)
    attach_us = (time.perf_counter() - t0) / n * 1e6
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    return {"n": n, "case_bytes": before / n, "bytes_per_case": (after - before) / n, "attach_us": attach_us}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--baseline-n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.variant:
        print(json.dumps(measure(args.variant, args.n, args.seed)))
        return

    def run(variant: str, n: int) -> dict[str, float]:
        out = subprocess.run([sys.executable, __file__, "--variant", variant, "--n", str(n), "--seed",
                              str(args.seed)], capture_output=True, text=True, check=True)
        result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        return result

    results = [("tracker", run("tracker", args.n)), ("tracker", run("tracker", args.baseline_n)),
               ("add_model", run("add_model", args.baseline_n)),
               ("machine_per_case", run("machine_per_case", args.baseline_n))]
    ours = results[0][1]["bytes_per_case"]
    rows = [[name, f"{r['n']:,.0f}", f"{r['bytes_per_case']:,.1f}", ratio(r["bytes_per_case"], ours),
             f"{r['bytes_per_case'] * r['n'] / 1e6:,.1f}", f"{r['attach_us']:,.0f}", f"{r['case_bytes']:,.0f}"]
            for name, r in results]
    print_table(
        "Memory per tracked case beyond the case data (tracemalloc)",
        ["variant", "cases", "bytes/case", "vs tracker", "total MB", "track µs/case (traced)", "case data B/case"],
        rows,
    )
    print("- target: <= 1 KB per tracked case at 100,000 cases")
    print("- track µs: replaying the case + attaching it, under tracemalloc (2-3x slower): compare them together")


if __name__ == "__main__":
    main()
