"""Batch throughput: ``scs-workflow batch`` on N synthetic cases, against a one-process loop.

    python benchmarks/bench_batch.py [--n 1000000] [--baseline-n 20000] [--workers 2] [--full]

1. writes N synthetic cases to ``<dir>/cases-<N>-<seed>.jsonl`` (kept and reused; not timed);
2. baseline, in this process: the plainest loop over the first ``--baseline-n`` lines
   (``Case.model_validate_json``, ``Engine.decide``, serialise, write) -> cases/s;
3. the real command in a subprocess, timed wall-clock from start to exit (process start,
   engine builds, progress bar and all): ``python -m scs_workflow batch ... --out``;
4. checks the output: N lines, and its first ``--baseline-n`` lines byte-identical to the loop's.

Output is ``--compact`` unless ``--full`` (full decisions are ~10 KB a case: 10 GB at 1M).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import DATE, print_table, ratio
from scs_workflow.cli.batch import compact_record
from scs_workflow.engine.decision import Engine
from scs_workflow.model.case import Case
from scs_workflow.model.service import ServiceLine
from scs_workflow.testing.synthetic import write_jsonl

TARGET_N, TARGET_S = 1_000_000, 60.0


def baseline(path: Path, n: int, lines: list[ServiceLine], compact: bool) -> tuple[float, list[bytes]]:
    """The plainest single-process loop; returns (cases/s, output lines)."""
    import json

    engine = Engine()
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    with open(path, "rb") as f:
        raw = list(itertools.islice(f, n))
    engine.decide(Case.model_validate_json(raw[0]), lines, DATE)  # compile the policies first
    gc.collect()
    out: list[bytes] = []
    t0 = time.perf_counter()
    for text in raw:
        d = engine.decide(Case.model_validate_json(text), lines, DATE)
        out.append(dumps(compact_record(d)).encode() if compact else d.model_dump_json().encode())
    return len(raw) / (time.perf_counter() - t0), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=TARGET_N)
    ap.add_argument("--baseline-n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--codes", default="63650,63685")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--full", action="store_true", help="full decisions instead of --compact")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/scs-bench"))
    args = ap.parse_args()
    compact = not args.full
    codes = args.codes.split(",")
    args.dir.mkdir(parents=True, exist_ok=True)

    cases = args.dir / f"cases-{args.n}-{args.seed}.jsonl"
    if not cases.exists():
        t0 = time.perf_counter()
        events = write_jsonl(str(cases) + ".part", args.n, args.seed)
        os.replace(str(cases) + ".part", cases)
        print(f"generated {args.n:,} cases ({events / args.n:.1f} events each, "
              f"{cases.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t0:.0f} s -> {cases}", flush=True)
    base_n = min(args.baseline_n, args.n)
    base_rate, base_out = baseline(cases, base_n, [ServiceLine(code=c) for c in codes], compact)
    print(f"baseline loop: {base_n:,} cases at {base_rate:,.0f} cases/s", flush=True)

    out = args.dir / f"decisions-{args.n}-{args.seed}{'-compact' if compact else ''}.jsonl"
    cmd = [sys.executable, "-m", "scs_workflow", "batch", str(cases), "--date", DATE.isoformat(), "--out", str(out),
           "--workers", str(args.workers), *(f"--code={c}" for c in codes), *(["--compact"] if compact else [])]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, check=False)
    wall = time.perf_counter() - t0
    with open(out, "rb") as f:
        head = list(itertools.islice(f, base_n))
        count = base_n + sum(1 for _ in f)
    same = [h.rstrip(b"\n") for h in head] == base_out
    rate = args.n / wall
    rows = [
        [f"batch, {args.workers} workers (wall, incl. start-up)", f"{args.n:,}", f"{wall:,.1f}", f"{rate:,.0f}",
         ratio(rate, base_rate), f"{TARGET_N / rate:,.0f}"],
        ["baseline: one-process loop", f"{base_n:,}", f"{base_n / base_rate:,.1f}", f"{base_rate:,.0f}", "1.0x",
         f"{TARGET_N / base_rate:,.0f}"],
    ]
    print_table(
        f"Batch throughput ({'compact' if compact else 'full'} output, codes {args.codes})",
        ["run", "cases", "seconds", "cases/s", "vs loop", "projected s for 1M"],
        rows,
    )
    print(f"- command: {' '.join(cmd)}")
    print(f"- exit status {done.returncode}; output lines {count:,}; first {base_n:,} identical to the loop's: {same}")
    print(f"- target: 1,000,000 cases in <= {TARGET_S:.0f} s (needs {TARGET_N / TARGET_S:,.0f} cases/s)")


if __name__ == "__main__":
    main()
