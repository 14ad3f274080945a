"""Growth: the cost of one ``decide`` per event, on cases of 1k, 4k and 16k events.

    python benchmarks/bench_scale.py [--sizes 1000 4000 16000] [--repeat 3] [--only NAME]

A case that piles up documentation at intake makes replay judge its milestones again on
every day a watched event arrives; that must stay O(n log n) in all (issue 9, "cost linear
in the size of the case"). Three synthetic cases, one event a day (the mixed one: two), the
date of service long after the last event:

- **therapy at intake** (Aetna): conservative therapy that improved, so the conservative-care
  milestone is judged again on every day and never met;
- **mixed documentation** (Medicare): conservative care done, then psychological evaluations
  that never clear, among therapy, pain and ODI scores, diagnoses, attestations and physical
  exams, in turn (two events a day);
- **rejected procedures** (Cigna): programming sessions at intake, each refused by the pathway
  (facts stop reading every one of them).

Each figure is the best of ``--repeat`` runs (one run at the largest size), in µs per event;
the last column is the cost per event at the largest size over the smallest (target: ≤ 2x).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from _common import print_table

from scs_workflow import Engine, parse_case
from scs_workflow.model.case import Case

START = dt.date(2000, 1, 1)
DATE_OF_SERVICE = dt.date(2099, 1, 1)


def _case(policy: str, events: list[dict[str, Any]]) -> Case:
    return parse_case({"case_id": "scale", "patient_ref": "SYN-SCALE", "policy": policy,
                       "diagnoses": [{"code": "M96.1", "onset": "1999-01-01"}], "events": events})


def therapy_at_intake(n: int) -> Case:
    evs = []
    for i in range(n):
        day = (START + dt.timedelta(days=i)).isoformat()
        evs.append({"id": f"t{i}", "type": "conservative_therapy", "date": day, "kind": "physical_therapy",
                    "start": day, "end": day, "outcome": "improved"})
    return _case("aetna", evs)


def mixed_documentation(n: int) -> Case:
    """Conservative care done (all four modalities), then screening that never clears: the
    screening milestone is judged again on every day, among pain and ODI scores, diagnoses,
    attestations, physical exams and more therapy."""
    care = [{"type": "conservative_therapy", "kind": kind, "start": "1999-01-01", "end": "1999-12-31",
             "outcome": "failed"} for kind in ("medication", "physical_therapy", "psychological_therapy")]
    evs: list[dict[str, Any]] = [{"id": f"c{i}", "date": "1999-12-31", **ev} for i, ev in enumerate(care)]
    evs.append({"id": "surgery", "type": "prior_procedure", "date": "1999-12-31", "kind": "spine_surgery"})

    def one(i: int, day: str) -> dict[str, Any]:
        kind = i % 7
        if kind == 0:
            return {"type": "conservative_therapy", "kind": "medication", "start": day, "end": day,
                    "outcome": "improved"}
        if kind == 1:
            return {"type": "pain_score", "score": i % 11}
        if kind == 2:
            return {"type": "odi", "score": i % 101}
        if kind == 3:
            return {"type": "diagnosis", "code": "M54.5", "status": "active"}
        if kind == 4:
            return {"type": "attestation", "kind": "behavioral_health", "value": bool(i % 2)}
        if kind == 5:
            return {"type": "physical_exam"}
        return {"type": "psych_eval", "evaluator_role": "psychologist", "cleared": False}

    for i in range(n - len(evs)):
        day = (START + dt.timedelta(days=i // 2)).isoformat()
        evs.append({"id": f"m{i}", "date": day, **one(i, day)})
    return _case("medicare", evs)


def rejected_procedures(n: int) -> Case:
    evs = [{"id": f"p{i}", "type": "programming", "date": (START + dt.timedelta(days=i)).isoformat(),
            "parameters_changed": 1} for i in range(n)]
    return _case("cigna", evs)


CASES: list[tuple[str, Callable[[int], Case]]] = [
    ("therapy at intake (Aetna)", therapy_at_intake),
    ("mixed documentation (Medicare)", mixed_documentation),
    ("rejected procedures (Cigna)", rejected_procedures),
]


def per_event_us(engine: Engine, case: Case, n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        engine.decide(case, ["63650"], DATE_OF_SERVICE)
        best = min(best, time.perf_counter() - t)
    return best / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 16000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="", help="run only the cases whose name contains this")
    args = ap.parse_args()
    sizes = sorted(args.sizes)
    engine = Engine()
    for _, make in CASES:  # warm up: policies compiled, first-call costs paid
        engine.decide(make(50), ["63650"], DATE_OF_SERVICE)
    rows = []
    for name, make in CASES:
        if args.only not in name:
            continue
        cost = [per_event_us(engine, make(n), n, 1 if n == sizes[-1] else args.repeat) for n in sizes]
        rows.append([name, *(f"{c:.0f}" for c in cost), f"{cost[-1] / cost[0]:.2f}x"])
    headers = ["case", *(f"µs/event at {n:,}" for n in sizes), f"{sizes[-1]:,} / {sizes[0]:,}"]
    print_table("decide: cost per event as the case grows", headers, rows)


if __name__ == "__main__":
    main()
