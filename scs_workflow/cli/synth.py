"""``scs-workflow synth``: write synthetic cases (:mod:`scs_workflow.testing.synthetic`) to a JSON Lines file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from ..testing.synthetic import DEFAULT_AS_OF, generate
from .common import ServiceDate
from .outputs import atomic_output, plain


def write_jsonl(path: str, n: int, seed: int = 0, *, as_of: dt.date = DEFAULT_AS_OF) -> int:
    """Write *n* cases to *path*, one compact JSON object per line; return the event count."""
    events = 0
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    with atomic_output(Path(path), "w") as out:  # a failed run leaves the old file (or none)
        for case in generate(n, seed, as_of=as_of):
            events += len(case["events"])
            out.write(dumps(case))
            out.write("\n")
    return events


MAX_SYNTH = 10_000_000  # cases in one run (about 1.5 GB): a larger N is a typo, not a benchmark


@click.command("synth")
@click.argument("n", type=click.IntRange(min=0, max=MAX_SYNTH))
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True, help="JSONL file to write.")
@click.option("--as-of", type=ServiceDate(), default=DEFAULT_AS_OF.isoformat(), show_default=True,
              help="The date of service the timelines lead up to.")
def synth_command(n: int, seed: int, out_path: str, as_of: dt.date) -> None:
    """Write N synthetic cases (SYN-... ids, never real data) to a JSON Lines file."""
    events = write_jsonl(out_path, n, seed, as_of=as_of)
    click.echo(f"{n:,} synthetic cases, {events / max(n, 1):.1f} events per case on average "
               f"-> {plain(out_path)}", err=True)
