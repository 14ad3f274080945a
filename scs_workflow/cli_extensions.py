"""Where the sub-systems (claims, store, batch) attach their commands to ``scs-workflow``, and the
options they share (:func:`line_options`: the facts of a requested service line).

Each sub-system keeps its commands in its own module; this file only wires them in, so
the core CLI does not import SQLAlchemy or anything else it does not need to start.
"""

from __future__ import annotations

from typing import Any, get_args

import click

from .case import Region, Setting, Waveform


def line_options(fn: Any) -> Any:
    """The facts of a service line, stated on the command line for every --code line."""
    for option in reversed([
        click.option("--place-of-service", "place_of_service",
                     type=click.Choice(get_args(Setting)),
                     help="Where the service is to be performed (every --code line)."),
        click.option("--contacts", type=click.IntRange(min=0), help="Electrode contacts (every --code line)."),
        click.option("--region", type=click.Choice(get_args(Region)),
                     help="Spinal region of the trial or leads (every --code line)."),
        click.option("--waveform", type=click.Choice(get_args(Waveform)),
                     help="Stimulation mode of the requested device (every --code line)."),
    ]):
        fn = option(fn)
    return fn



def register(main: click.Group) -> None:
    """Attach every sub-system's commands to *main*."""

    # --- benchmarks and bulk work: `synth` (synthetic cases) and `batch` (JSONL in, JSONL out) ---
    from .batch import batch_command
    from .synthetic import synth_command

    main.add_command(synth_command)
    main.add_command(batch_command)

    # --- claims (issue 3): `check-claim` (coding edits and authorization reconciliation) ---
    from .claims_cli import check_claim_command

    main.add_command(check_claim_command)

    # --- case store (scs_workflow/store): case, request, worklist, metrics, audit, import, export.
    # store.cli imports SQLAlchemy only inside its commands, so `scs-workflow decide` stays light.
    from .store.cli import commands as store_commands

    for command in store_commands():
        main.add_command(command)
