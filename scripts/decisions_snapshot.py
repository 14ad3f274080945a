#!/usr/bin/env python3
"""Print `scs-workflow decide --json` for every example and test case, every pack, a few requests.

Run before and after a change that must not change behaviour and compare the two outputs byte for byte:

    .venv/bin/python scripts/decisions_snapshot.py > /tmp/before.txt
    ... change ...
    .venv/bin/python scripts/decisions_snapshot.py > /tmp/after.txt && cmp /tmp/before.txt /tmp/after.txt
"""
from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from scs_workflow.cli import main

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = [
    ["--code", "63650x2:permanent", "--code", "63685", "--place-of-service", "asc"],
    ["--code", "63650x2:permanent"],
    ["--code", "63650"],
    ["--code", "63650x2:trial", "--place-of-service", "office"],
    ["--code", "63688", "--code", "63685", "--place-of-service", "hopd"],
    ["--code", "95972"],
]
DATES = ["2026-04-01", "2026-05-01", "2026-06-15", "2027-01-31"]
PACKS = ["medicare", "aetna", "cigna"]


def main_() -> int:
    runner = CliRunner()
    cases = sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "tests" / "cases").glob("*.json"))
    for case in cases:
        for pack in PACKS:
            for request in REQUESTS:
                for date in DATES:
                    args = ["decide", str(case.relative_to(ROOT)), *request, "--date", date, "--policy", pack, "--json"]
                    result = runner.invoke(main, args)
                    sys.stdout.write(f"$ scs-workflow {' '.join(args)}\nexit {result.exit_code}\n{result.output}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
