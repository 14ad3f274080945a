"""The store's front: :class:`CaseStore` (cases and their events, from :mod:`.cases`, plus the
authorization requests of :mod:`.requests` through :attr:`CaseStore.requests`) and :func:`open_store`.

One way: requests depend on cases, never back; this module joins the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..engine.decision import Engine
from .cases import Cases, utcnow
from .clocks import ClockBook
from .database import open_database
from .requests import RequestDesk


class CaseStore(Cases):
    """Cases, their events and (through :attr:`requests`) their authorization requests."""

    @property
    def requests(self) -> RequestDesk:
        return RequestDesk(self)


def open_store(url: str | None = None, *, engine: Engine | Callable[[], Engine] | None = None,
               clocks: ClockBook | None = None, now: Callable[[], dt.datetime] = utcnow) -> CaseStore:
    """Open (and migrate) the store at *url*: a SQLAlchemy URL or a SQLite file path.

    Without *url*: ``$SCS_DATABASE_URL``, else ``./scs-workflow.db``. *engine* is an engine or a
    function that builds one when a command first needs it (default: the shipped policies).
    """
    return CaseStore(open_database(url), engine=engine, clocks=clocks, now=now)
