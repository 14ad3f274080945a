"""An in-memory case tracker: many cases, one shared pathway machine, a few bytes each.

The tracker keeps each case object and the pathway state it replayed to as of a date.
It holds no ``transitions`` machine per case and registers nothing with the shared
one (no ``add_model``): replay drives a throw-away walker through the policy's one
machine, and the state kept is the policy's own interned state name. What a tracked
case costs beyond the case itself is one dict slot and one three-slot entry
(``benchmarks/bench_memory.py`` measures it).

>>> import datetime as dt
>>> from scs_workflow import Engine, load_case
>>> tracker = CaseTracker(Engine(), as_of=dt.date(2026, 6, 15))
>>> tracker.track(load_case("examples/fbss-strong-trial.json"))
'trial_succeeded'
>>> tracker.state_of("ex-fbss-001"), len(tracker)
('trial_succeeded', 1)
>>> tracker.forget("ex-fbss-001"); len(tracker)
0
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator, Sequence

from ..engine.decision import Decision, Engine
from ..model.case import Case
from ..model.facts import CaseView
from ..model.service import ServiceLine


class _Entry:
    """What the tracker adds to a case: its replayed state and the date it holds for."""

    __slots__ = ("as_of", "case", "state")

    def __init__(self, case: Case, state: str, as_of: dt.date) -> None:
        self.case = case
        self.state = state
        self.as_of = as_of


class CaseTracker:
    """Cases by id, each with its pathway state replayed as of a date.

    *as_of* is the date states are computed for when :meth:`track` is not given one
    (default: today, UTC). *policy* replays every case under that policy id instead of
    the case's own. An id that is not tracked raises ``KeyError``. One tracker per
    thread: it is a plain dict underneath.
    """

    def __init__(self, engine: Engine, *, as_of: dt.date | None = None, policy: str | None = None) -> None:
        self.engine = engine
        self.as_of = as_of or dt.datetime.now(dt.UTC).date()
        self.policy = policy
        self._entries: dict[str, _Entry] = {}
        self._forgotten = 0  # since the dict was last rebuilt: a dict never shrinks its table

    def track(self, case: Case, as_of: dt.date | None = None) -> str:
        """Replay *case* as of *as_of* (default: the tracker's date), keep it, and return its state.

        Tracking a case id again replaces the earlier case (a new event was recorded).
        """
        day = as_of or self.as_of
        state = sys.intern(self.replay_state(case, day))
        self._entries[case.case_id] = _Entry(case, state, day)
        return state

    def replay_state(self, case: Case, as_of: dt.date) -> str:
        """The pathway state of *case* as of *as_of*, by a fresh replay (nothing is kept)."""
        compiled = self.engine.compiled(self.engine.policy_for(case, as_of, self.policy))
        return compiled.pathway.replay(CaseView(case), as_of).state

    def state_of(self, case_id: str) -> str:
        """The state *case_id* was replayed to when it was last tracked."""
        return self._entry(case_id).state

    def case(self, case_id: str) -> Case:
        return self._entry(case_id).case

    def as_of_date(self, case_id: str) -> dt.date:
        """The date the tracked state of *case_id* holds for."""
        return self._entry(case_id).as_of

    def decide(self, case_id: str, codes: Sequence[str | ServiceLine], date_of_service: dt.date) -> Decision:
        """Decide *codes* for a tracked case (the tracked state is left as it is)."""
        return self.engine.decide(self._entry(case_id).case, codes, date_of_service, policy=self.policy)

    def forget(self, case_id: str) -> None:
        """Stop tracking *case_id*; the tracker then holds no reference to it."""
        del self._entries[case_id]
        self._forgotten += 1
        if self._forgotten > 1024 and self._forgotten > len(self._entries):
            self._entries = dict(self._entries)  # give the emptied slots back
            self._forgotten = 0

    def refresh(self, as_of: dt.date) -> int:
        """Replay every tracked case as of *as_of* (a policy or the date changed); return the count."""
        for entry in self._entries.values():
            entry.state = sys.intern(self.replay_state(entry.case, as_of))
            entry.as_of = as_of
        self.as_of = as_of
        return len(self._entries)

    def in_state(self, state: str) -> Iterator[str]:
        """The ids of the tracked cases in *state*."""
        return (cid for cid, e in self._entries.items() if e.state == state)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def _entry(self, case_id: str) -> _Entry:
        entry = self._entries.get(case_id)
        if entry is None:
            raise KeyError(case_id)
        return entry
