"""Where a batch worker's time goes, per case: parse, decide (replay / code lines / output), serialise.

    python benchmarks/profile_decide.py [--n 2000] [--codes 63650,63685] [--tree]

Runs the batch worker's own per-line code (``scs_workflow.cli.batch._Decider.chunk``) over N
synthetic cases of the mix, first timed by phase, then under pyinstrument (``--tree``
prints the call tree; the default prints the top functions by own time).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import DATE, machine_notes, settle_heap
from scs_workflow.cli.batch import BatchConfig, _Decider, compact_record
from scs_workflow.model.case import Case
from scs_workflow.model.facts import CaseView
from scs_workflow.model.service import ServiceLine
from scs_workflow.testing.synthetic import generate


def per_case(fn: Callable[[Any], Any], items: list[Any], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, (time.perf_counter() - t0) / len(items) * 1e6)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--codes", default="63650,63685")
    ap.add_argument("--tree", action="store_true")
    args = ap.parse_args()
    lines = tuple(ServiceLine(code=c) for c in args.codes.split(","))
    raw = [json.dumps(c, separators=(",", ":")).encode() for c in generate(args.n, args.seed)]
    decider = _Decider(BatchConfig(lines, DATE, compact=True))
    engine = decider.engine
    cases = [Case.model_validate_json(r) for r in raw]
    decisions = [engine.decide(c, lines, DATE) for c in cases]
    settle_heap()

    def replay(case: Case) -> Any:
        cp = engine.compiled(engine.policy_for(case, DATE))
        return cp.pathway.replay(CaseView(case), DATE)

    phases = {
        "parse: Case.model_validate_json": per_case(Case.model_validate_json, raw),
        "decide: Engine.decide (all of it)": per_case(lambda c: engine.decide(c, lines, DATE), cases),
        "  of which replay (CaseView + Pathway.replay)": per_case(replay, cases),
        "serialise compact (json)": per_case(lambda d: json.dumps(compact_record(d)), decisions),
        "serialise full (model_dump_json)": per_case(lambda d: d.model_dump_json(), decisions),
        "batch worker, compact (parse+decide+write)": per_case(
            lambda r: decider.chunk(1, r), raw, repeats=3),
    }
    phases["  of which the code lines and the output models (difference)"] = (
        phases["decide: Engine.decide (all of it)"] - phases["  of which replay (CaseView + Pathway.replay)"])
    print(f"{args.n} cases of the synthetic mix, codes {args.codes}, date {DATE}; µs per case, best of repeats\n")
    for name, us in phases.items():
        print(f"  {name:<48} {us:>8.1f}")
    print()
    for line in machine_notes():
        print(f"- {line}")

    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    blob = b"\n".join(raw)
    decider.chunk(1, blob)
    profiler.stop()
    if args.tree:
        print(profiler.output_text(unicode=False, color=False))
        return
    session = profiler.last_session
    assert session is not None
    totals: dict[str, float] = {}
    root = session.root_frame()
    assert root is not None
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        frame, parent = stack.pop()
        if frame.function == "[self]" or frame.file_path is None:
            key = parent  # pyinstrument's synthetic frame for its parent's own time
        else:
            key = f"{frame.function} ({Path(frame.file_path).name}:{frame.line_no})"
        totals[key] = totals.get(key, 0.0) + frame.total_self_time
        stack.extend((child, key) for child in frame.children)
    whole = sum(totals.values())
    worker = phases["batch worker, compact (parse+decide+write)"]
    print(f"\npyinstrument, one chunk of {args.n} lines: top functions by own time "
          f"(µs scaled to the unprofiled {worker:.0f} µs/case)")
    for key, secs in sorted(totals.items(), key=lambda kv: -kv[1])[:30]:
        print(f"  {secs / whole * 100:5.1f}%  {secs / whole * worker:6.1f} µs/case  {key}")
    groups: dict[str, float] = {}
    for key, secs in totals.items():
        where = key.rsplit("(", 1)[-1].split(":", 1)[0]
        group = {"core.py": "transitions (core.py)", "__init__.py": "logging (transitions' debug calls)",
                 "main.py": "pydantic (models, validation)", "<built-in>": "builtins and pydantic-core",
                 "relativedelta.py": "dateutil.relativedelta", "<string>": "dataclass __init__"}.get(where, where)
        groups[group] = groups.get(group, 0.0) + secs
    print("\nown time by module:")
    for group, secs in sorted(groups.items(), key=lambda kv: -kv[1])[:14]:
        print(f"  {secs / whole * 100:5.1f}%  {secs / whole * worker:6.1f} µs/case  {group}")


if __name__ == "__main__":
    main()
