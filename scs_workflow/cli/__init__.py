"""The ``scs-workflow`` command: one click group assembled from the command modules.

``app`` holds the root group and the core commands (decide, validate, policies, schema, diagram);
``batch``, ``synth``, ``claim`` (check-claim) and ``store`` (case, request, worklist, metrics, audit,
import, export) add theirs here. The store's commands import SQLAlchemy only when they run, so
``scs-workflow decide`` stays light.
"""

from __future__ import annotations

from .app import exit_code_for, main
from .batch import batch_command
from .claim import check_claim_command
from .common import Settings, parse_code
from .store import commands as store_commands
from .synth import synth_command

main.add_command(synth_command)
main.add_command(batch_command)
main.add_command(check_claim_command)
for _command in store_commands():
    main.add_command(_command)

__all__ = ["Settings", "exit_code_for", "main", "parse_code"]
