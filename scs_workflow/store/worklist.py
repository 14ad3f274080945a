"""Worklists (what is due next) and the prior-authorization metrics CMS-0057-F asks payers to publish.

* open requests by due time, overdue first (a request is overdue only *after* its due time);
* pended requests by how long they have waited since the information was requested;
* cases by pathway state (the cached snapshot; ``case rebuild`` refreshes it);
* per urgency: approval, denial and pend rates, median and p90 turnaround, on-time share.

Metrics count the requests *received* in ``[since, until)``; turnaround is decided_at minus
received_at, in hours; p90 is the nearest-rank 90th percentile.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .requests import OPEN, RequestRecord

if TYPE_CHECKING:
    from .api import CaseStore
    from .cases import CaseRecord


@dataclass(frozen=True)
class OpenItem:
    request: RequestRecord
    overdue: bool
    due_in: dt.timedelta  # negative when overdue


@dataclass(frozen=True)
class PendedItem:
    request: RequestRecord
    age: dt.timedelta


def open_requests(store: CaseStore, now: dt.datetime) -> list[OpenItem]:
    """Every open request, the earliest due first (so the overdue ones lead)."""
    reqs = store.requests.all(status=OPEN)
    reqs.sort(key=lambda r: (r.due_at, r.received_at, r.request_id))
    return [OpenItem(r, r.overdue(now), r.due_at - now) for r in reqs]


def pended_requests(store: CaseStore, now: dt.datetime) -> list[PendedItem]:
    """Requests waiting for information, the longest-waiting first."""
    reqs = [r for r in store.requests.all(status=["pended"]) if r.pended_at is not None]
    reqs.sort(key=lambda r: (r.pended_at, r.request_id))
    return [PendedItem(r, now - r.pended_at) for r in reqs if r.pended_at is not None]


def cases_by_state(store: CaseStore) -> dict[str, list[CaseRecord]]:
    """Case ids grouped by their pathway state (:meth:`list_cases` recomputes a snapshot older than the log)."""
    out: dict[str, list[CaseRecord]] = {}
    for c in store.list_cases():
        key = c.state or "(not computed)"
        if c.state is not None and not c.state_is_current:
            key += " (stale)"
        out.setdefault(key, []).append(c)
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class Figures:
    """The figures for one urgency (or ``all``)."""

    received: int
    decided: int
    approved: int
    denied: int
    pended: int
    open: int
    on_time: int
    approval_rate: float | None
    denial_rate: float | None
    pend_rate: float | None
    on_time_rate: float | None
    median_hours: float | None
    p90_hours: float | None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def metrics(store: CaseStore, *, since: dt.datetime | None = None, until: dt.datetime | None = None
            ) -> dict[str, Figures]:
    """Figures per urgency (``expedited``, ``standard``) and for ``all`` requests received in the window."""
    reqs = [r for r in store.requests.all()
            if (since is None or r.received_at >= since) and (until is None or r.received_at < until)]
    groups: dict[str, list[RequestRecord]] = {"expedited": [], "standard": [], "all": reqs}
    for r in reqs:
        groups.setdefault(r.urgency, []).append(r)
    return {k: figures(v) for k, v in groups.items()}


def figures(reqs: list[RequestRecord]) -> Figures:
    decided = [r for r in reqs if r.status == "decided" and r.decided_at is not None]
    hours = sorted((r.decided_at - r.received_at).total_seconds() / 3600 for r in decided if r.decided_at)
    approved = sum(1 for r in decided if r.outcome == "approve")
    denied = sum(1 for r in decided if r.outcome == "deny")
    pended = sum(1 for r in reqs if r.pend_count > 0)
    on_time = sum(1 for r in decided if r.decided_at is not None and r.decided_at <= r.due_at)
    return Figures(
        received=len(reqs), decided=len(decided), approved=approved, denied=denied, pended=pended,
        open=sum(1 for r in reqs if r.status in OPEN), on_time=on_time,
        approval_rate=_rate(approved, len(decided)), denial_rate=_rate(denied, len(decided)),
        pend_rate=_rate(pended, len(reqs)), on_time_rate=_rate(on_time, len(decided)),
        median_hours=round(statistics.median(hours), 2) if hours else None,
        p90_hours=round(percentile(hours, 90), 2) if hours else None,
    )


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list.

    >>> percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 90)
    9.0
    >>> percentile([5.0], 90)
    5.0
    """
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
