"""Where the sub-systems (claims, store, batch) attach their commands to ``scs-workflow``.

Each sub-system keeps its commands in its own module; this file only wires them in, so
the core CLI does not import SQLAlchemy or anything else it does not need to start.
"""

from __future__ import annotations

import click


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
