"""Where the sub-systems (claims, store, batch) attach their commands to ``scs-workflow``.

Each sub-system keeps its commands in its own module; this file only wires them in, so
the core CLI does not import SQLAlchemy or anything else it does not need to start.
"""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Attach every sub-system's commands to *main*."""
