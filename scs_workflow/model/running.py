"""Running facts: folds over a case's events, advanced day by day, so replay costs O(n log n).

Replay judges its milestones on every day a watched event arrives. Measured from scratch,
each judgement rescans every event so far (all the therapies, to take the union of their
intervals), and a case of n events costs O(n^2). Replay visits the days in increasing
order, so the facts it reads are kept here as *folds*: each takes the events of its kinds
once, in date order, and answers for any day not earlier than the last one asked (an
earlier day starts the fold again).

A fold answers the fact's *value* only: replay's day-by-day judgements decide where the
case goes and what a refusal says, and neither shows evidence lists. The facts of the
date of service (the ones a decision shows) are measured in full by ``facts.py``; a test
(``tests/test_running_facts.py``) holds both to the same values on random cases.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from . import windows


class Contradiction(str):
    """The value of a fact whose records on one date disagree: insufficient, and named.

    ``contradictory records ev-3, ev-7 on 2026-01-12``: the file's order never decides
    which record is right; a correction of one of them does.
    """

    __slots__ = ()


class Fold(Protocol):
    """Takes a fact's events in date order (``add``) and answers its value on a day (``value``)."""

    kinds: tuple[str, ...]

    def add(self, ev: Any) -> None: ...

    def value(self, as_of: dt.date) -> Any: ...


class _Running:
    __slots__ = ("day", "fold", "pos")

    def __init__(self, fold: Fold) -> None:
        self.fold = fold
        self.day = dt.date.min
        self.pos = [0] * len(fold.kinds)


class Runner:
    """The folds of one case view, each advanced to the last day it was asked about."""

    __slots__ = ("_by_type", "_case", "_folds")

    def __init__(self, case: Any, by_type: dict[str, list[Any]]) -> None:
        self._case = case
        self._by_type = by_type
        self._folds: dict[str, _Running] = {}

    def value(self, name: str, make: Callable[[Any], Fold], as_of: dt.date) -> Any:
        """The value of fact *name* on *as_of* (events of that day included)."""
        run = self._folds.get(name)
        if run is None or as_of < run.day:
            run = self._folds[name] = _Running(make(self._case))
        fold = run.fold
        for i, kind in enumerate(fold.kinds):
            evs = self._by_type.get(kind, ())
            at = run.pos[i]
            while at < len(evs) and evs[at].date <= as_of:
                fold.add(evs[at])
                at += 1
            run.pos[i] = at
        run.day = as_of
        return fold.value(as_of)

    def forget(self, kind: str, at: int) -> None:
        """The event at index *at* of *kind* was taken out: folds that took it in start again."""
        for name, run in list(self._folds.items()):
            for i, k in enumerate(run.fold.kinds):
                if k == kind and run.pos[i] > at:
                    del self._folds[name]
                    break


# --- the latest record -------------------------------------------------------------------


class Latest:
    """*pick* of the latest record (by *key*) of the events that pass *keep*; records of that
    moment that disagree make a :class:`Contradiction`."""

    __slots__ = ("_keep", "_key", "_pick", "_same", "_when", "kinds")

    def __init__(self, kind: str, pick: Callable[[Any], Any], key: Callable[[Any], Any],
                 keep: Callable[[Any], bool] | None = None) -> None:
        self.kinds: tuple[str, ...] = (kind,)
        self._pick, self._key, self._keep = pick, key, keep
        self._same: list[Any] = []
        self._when: Any = None

    def add(self, ev: Any) -> None:
        if self._keep is not None and not self._keep(ev):
            return
        when = self._key(ev)
        if when != self._when:  # events come in key order: a later moment replaces the earlier
            self._when, self._same = when, []
        self._same.append(ev)

    def value(self, as_of: dt.date) -> Any:
        return latest_value(self._same, self._pick)


def latest_value(same: Sequence[Any], pick: Callable[[Any], Any]) -> Any:
    """The value the records *same* (one moment) agree on, a Contradiction if they do not, None if none."""
    if not same:
        return None
    values = [pick(e) for e in same]
    if any(v != values[0] for v in values[1:]):
        return Contradiction(f"contradictory records {', '.join(e.id for e in same)} on {same[0].date.isoformat()}")
    return values[0]


class Documented:
    """True once an event of *kind* is on file."""

    __slots__ = ("_seen", "kinds")

    def __init__(self, kind: str) -> None:
        self.kinds: tuple[str, ...] = (kind,)
        self._seen = False

    def add(self, ev: Any) -> None:
        self._seen = True

    def value(self, as_of: dt.date) -> Any:
        return True if self._seen else None


class Diagnoses:
    """The case's diagnoses and those recorded since, the latest word on a code winning; *measure*
    reads the active ones (in the order their codes first appeared) on the as-of date."""

    __slots__ = ("_latest", "_measure", "kinds")

    def __init__(self, opened_with: Sequence[Any], measure: Callable[[list[Any], dt.date], Any]) -> None:
        self.kinds: tuple[str, ...] = ("diagnosis",)
        self._latest: dict[str, Any] = {d.code: d for d in opened_with}
        self._measure = measure

    def add(self, ev: Any) -> None:
        self._latest[ev.code] = ev

    def value(self, as_of: dt.date) -> Any:
        active = [d for d in self._latest.values() if getattr(d, "type", None) != "diagnosis" or d.status == "active"]
        return self._measure(active, as_of)


# --- modalities ---------------------------------------------------------------------------


class Modalities:
    """The modalities of the therapies whose outcome is in *outcomes*, plus surgical for a prior spine
    surgery; None when there is neither. *keep* filters the sorted list (NCD 160.7 names four)."""

    __slots__ = ("_any", "_found", "_keep", "_modality", "_outcomes", "kinds")

    def __init__(self, outcomes: Sequence[str], modality: dict[str, str],
                 keep: Callable[[str], bool] = lambda m: True) -> None:
        self.kinds: tuple[str, ...] = ("conservative_therapy", "prior_procedure")
        self._outcomes, self._modality, self._keep = frozenset(outcomes), modality, keep
        self._found: set[str] = set()
        self._any = False

    def add(self, ev: Any) -> None:
        if ev.type == "prior_procedure":
            if ev.kind == "spine_surgery":
                self._any = True
                self._found.add("surgical")
        elif ev.outcome in self._outcomes:
            self._any = True
            self._found.add(self._modality[ev.kind])

    def value(self, as_of: dt.date) -> Any:
        return sorted(m for m in self._found if self._keep(m)) if self._any else None


# --- the union of intervals, clipped at a growing date -----------------------------------------


class Cover:
    """The union of day intervals, each clipped at the as-of date, measured in calendar months
    exactly as :func:`scs_workflow.model.windows.months_covered` measures the clipped intervals.

    The union is kept merged (``merge_blocks``' rule: overlapping or adjacent blocks are one),
    with the total of its days and a count of its blocks' months. Intervals that reach past
    the as-of date can only be in the last block (they all end on it), so moving the date on
    extends that block alone; intervals starting later wait in a queue. Dates are ordinals.
    """

    __slots__ = ("_ends", "_hint", "_hint_days", "_live_end", "_months", "_pending", "_starts", "_total", "as_of")

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._total = 0
        self._months: Counter[int] = Counter()
        self._live_end = 0
        """The latest real end of an interval clipped at the as-of date (0: none is)."""
        self._pending: list[tuple[int, int]] = []
        """Intervals that start after the as-of date, as (start, end), sorted."""
        self.as_of = 0
        self._hint, self._hint_days = 0, 0  # the months the total last held: it seldom shrinks

    def add(self, start: dt.date, end: dt.date | None) -> None:
        """The interval *start*..*end* (None: it goes on past any as-of date)."""
        s, e = start.toordinal(), (end.toordinal() if end is not None else _FOREVER)
        if s > self.as_of:
            heapq.heappush(self._pending, (s, e))
        else:
            self._put(s, e)

    def advance(self, as_of: dt.date) -> None:
        day = as_of.toordinal()
        if day < self.as_of:
            raise ValueError("a Cover only moves forward")
        if self._live_end and self._ends:
            last = len(self._ends) - 1
            self._resize(last, self._starts[last], min(day, self._live_end))
            if self._live_end <= day:
                self._live_end = 0
        self.as_of = day
        while self._pending and self._pending[0][0] <= day:
            s, e = heapq.heappop(self._pending)
            self._put(s, e)

    def months(self) -> int:
        if not self._starts:
            return 0
        if len(self._starts) == 1:
            return self._block_months(0)
        longest = max(self._months)
        hint = self._hint if self._total >= self._hint_days else 0
        self._hint, self._hint_days = windows.longest_months_in_days(self._total, at_least=hint), self._total
        return max(longest, self._hint)

    def _put(self, s: int, real_end: int) -> None:
        e = min(real_end, self.as_of)
        if real_end > self.as_of:
            self._live_end = max(self._live_end, real_end)
        # blocks that overlap or touch [s, e] (within one day) merge with it
        lo = bisect.bisect_left(self._ends, s - 1)
        hi = bisect.bisect_right(self._starts, e + 1)
        if lo < hi:
            s, e = min(s, self._starts[lo]), max(e, self._ends[hi - 1])
            for i in range(lo, hi):
                self._forget(i)
            del self._starts[lo:hi], self._ends[lo:hi]
        self._starts.insert(lo, s)
        self._ends.insert(lo, e)
        self._count(lo)

    def _resize(self, i: int, s: int, e: int) -> None:
        self._forget(i)
        self._starts[i], self._ends[i] = s, e
        self._count(i)

    def _block_months(self, i: int) -> int:
        return windows.months_between(dt.date.fromordinal(self._starts[i]), dt.date.fromordinal(self._ends[i]))

    def _forget(self, i: int) -> None:
        self._total -= self._ends[i] - self._starts[i]
        m = self._block_months(i)
        self._months[m] -= 1
        if not self._months[m]:
            del self._months[m]

    def _count(self, i: int) -> None:
        self._total += self._ends[i] - self._starts[i]
        self._months[self._block_months(i)] += 1


_FOREVER = dt.date.max.toordinal() + 1


class CareMonths:
    """``conservative_care_months``: calendar months covered by failed or ongoing therapies.

    Mirrors ``facts._care_months``: a failed therapy without an end date may have run to the
    as-of date, and when that changes the whole months the value is unknown (None).
    """

    __slots__ = ("_failed", "_first_open", "_known", "_open", "_supervised_only", "_tried", "kinds")

    def __init__(self, supervised_only: bool, failed: Sequence[str]) -> None:
        self.kinds: tuple[str, ...] = ("conservative_therapy",)
        self._supervised_only = supervised_only
        self._failed = frozenset(failed)
        self._known = Cover()  # dated and ongoing therapies
        self._open = Cover()  # the same, plus failed therapies without an end date run to the as-of date
        self._first_open: dt.date | None = None
        self._tried = False

    def add(self, t: Any) -> None:
        if t.outcome in ("contraindicated", "unsuitable") or (self._supervised_only and not t.physician_supervised):
            return
        self._tried = True
        if t.outcome not in self._failed:
            return
        if t.end is not None or t.outcome == "ongoing":
            self._known.add(t.start, t.end)
        elif self._first_open is None or t.start < self._first_open:
            self._first_open = t.start
        self._open.add(t.start, t.end)

    def value(self, as_of: dt.date) -> Any:
        if not self._tried:
            return None
        self._known.advance(as_of)
        least = self._known.months()
        if self._first_open is not None and self._first_open <= as_of:
            self._open.advance(as_of)
            if self._open.months() != least:
                return None
        return least
