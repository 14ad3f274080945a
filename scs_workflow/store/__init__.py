"""The persistent case store: append-only, hash-chained case logs, authorization requests,
PA clocks, worklists and metrics, on SQLite (embedded) or PostgreSQL.

>>> from scs_workflow.store import open_store, Actor      # doctest: +SKIP
>>> store = open_store("postgresql://postgres@127.0.0.1:5432/test")  # doctest: +SKIP

This is the only part of scs-workflow that imports SQLAlchemy, and it does so lazily:
importing ``scs_workflow.cli.store`` (which the ``scs-workflow`` command does) does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import CaseStore, open_store
    from .audit import AuditReport, verify
    from .cases import Actor, Appended, CaseRecord, EventRecord, Incoming
    from .clocks import ClockBook, Due, load_clocks
    from .requests import RequestDesk, RequestRecord

__all__ = [
    "Actor",
    "Appended",
    "AuditReport",
    "CaseRecord",
    "CaseStore",
    "ClockBook",
    "Due",
    "EventRecord",
    "Incoming",
    "RequestDesk",
    "RequestRecord",
    "load_clocks",
    "open_store",
    "verify",
]

_HOME = {
    "AuditReport": "audit", "verify": "audit",
    "Actor": "cases", "Appended": "cases", "CaseRecord": "cases", "CaseStore": "api", "EventRecord": "cases",
    "Incoming": "cases", "open_store": "api",
    "ClockBook": "clocks", "Due": "clocks", "load_clocks": "clocks",
    "RequestDesk": "requests", "RequestRecord": "requests",
}


def __getattr__(name: str) -> Any:
    """Import the store's modules (and so SQLAlchemy) only when a name is first used."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
