"""What every benchmark script shares: machine notes, a plain table, synthetic cases."""

from __future__ import annotations

import datetime as dt
import gc
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/bench_x.py` from anywhere
    sys.path.insert(0, str(ROOT))

from scs_workflow.model.case import Case  # noqa: E402
from scs_workflow.testing.synthetic import DEFAULT_AS_OF, generate  # noqa: E402

DATE = DEFAULT_AS_OF


def machine_notes() -> list[str]:
    """CPU, memory, interpreter, package versions and the commit: printed under every table."""
    cpu = "unknown CPU"
    mem = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB"
                break
    except OSError:
        pass
    versions = []
    for pkg in ("scs-workflow", "pydantic", "pydantic-core", "transitions", "rich", "click"):
        try:
            versions.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{pkg} ?")
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=False).stdout.strip()
        commit = f"{head}{' + uncommitted changes' if dirty else ''}"
    except OSError:
        commit = "?"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return [
        f"machine: {cpu}, {os.cpu_count()} CPUs, {mem} RAM; load average at start {load:.2f}",
        f"python: {platform.python_implementation()} {platform.python_version()} ({platform.platform()})",
        "packages: " + ", ".join(versions),
        f"commit: {commit}; run {dt.datetime.now().isoformat(timespec='seconds')}",
    ]


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A Markdown table (pastes into the README as is), then the machine notes."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells:
        print("| " + " | ".join(c.rjust(w) if i else c.ljust(w)
                                for i, (c, w) in enumerate(zip(r, widths, strict=True))) + " |")
    print()
    for line in machine_notes():
        print(f"- {line}")


def synthetic_cases(n: int, seed: int, policy: str | None = None) -> list[Case]:
    """*n* generated cases, validated (the ones of *policy* only, if given)."""
    return [Case.model_validate(c) for c in generate(n, seed) if policy is None or c["policy"] == policy]


def settle_heap() -> None:
    """Collect, then freeze what the set-up made, so timed loops do not re-scan it."""
    gc.collect()
    gc.freeze()


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "-"
