"""A writer process for the concurrency tests (run as a script, not collected by pytest).

    python worker.py URL CASE_ID NAME COUNT GO_FILE [--same-ids]

Opens the store, says it is ready, waits for GO_FILE, then appends COUNT pain scores
(ids ``NAME-i``; with ``--same-ids``: ``shared-i``, the same for every worker), each with the
version it just read, retrying on a version conflict. Prints a JSON summary.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from scs_workflow import ConcurrencyConflict
from scs_workflow.store import Actor, open_store


def main(argv: list[str]) -> int:
    url, case_id, name, count, go = argv[:5]
    same = "--same-ids" in argv
    store = open_store(url)
    store.engine.library.get("medicare")  # load the policies before the race starts
    Path(go + f".{name}.ready").write_text("ready")
    while not Path(go).exists():
        time.sleep(0.005)
    conflicts = created = 0
    by = Actor(name, "nurse", "worker")
    for i in range(int(count)):
        event = {"id": f"{'shared' if same else name}-{i}", "type": "pain_score", "date": "2026-01-05",
                 "score": i % 11}
        while True:
            version = store.get(case_id).version
            try:
                created += store.append(case_id, event, by=by, expected_version=version).created
                break
            except ConcurrencyConflict:
                conflicts += 1
    print(json.dumps({"worker": name, "created": created, "conflicts": conflicts}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
