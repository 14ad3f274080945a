"""The naive baseline: one ``transitions.Machine`` per case, the case wrapper as its model.

What a first design with ``transitions`` looks like, and what ``bench_decide.py`` (and
``bench_memory.py``) measure the engine against: every decision builds a ``Machine``
from the policy with the case wrapper as its model (library defaults otherwise:
``auto_transitions=True``, model decoration), replays the events through the
model-bound triggers (``wrapper.trigger(name)``) and then judges the codes exactly as
the engine does. Only the replay differs; the replay *rules* are the engine's
(milestones before and after every procedure, after every event a milestone reads,
and as of the date of service), so the decisions are the same
(``tests/bench/test_bench_floor.py`` checks it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from transitions import EventData, Machine, MachineError

from scs_workflow.criteria import MET, NOT_MET, CriterionJudge, Status, leaves
from scs_workflow.decision import CompiledPolicy, Engine
from scs_workflow.facts import FACTS, CaseView, Facts
from scs_workflow.pathway import Pathway, Replay, Step
from scs_workflow.policy import Policy, TransitionDef


class CaseWrapper:
    """The model handed to ``transitions``: the case and the facts of the day being replayed."""

    def __init__(self, case: Any) -> None:
        self.case = case
        self.facts: Facts | None = None
        self.memo: dict[str, Any] = {}
        self.state: str = ""


class NaivePathway(Pathway):
    """The policy's pathway, replayed on a ``Machine`` built for each case."""

    def __init__(self, policy: Policy, judges: dict[str, CriterionJudge]) -> None:
        super().__init__(policy, judges)  # the map the decisions walk stays the engine's
        self._specs = [
            {"trigger": t.trigger, "source": src, "dest": t.dest,
             **({"conditions": [self._naive_guard(t, judges)]} if t.requires or t.requires_not_met else {})}
            for t in policy.transitions for src in t.source
        ]
        self._auto: dict[str, list[str]] = {}
        self._watching: dict[str, set[str]] = {}
        for t in policy.transitions:
            if not t.auto:
                continue
            kinds = {k for cid in t.requires + t.requires_not_met for leaf in leaves(policy.criteria[cid].test)
                     for k in FACTS[leaf.fact].reads}
            for src in t.source:
                self._auto.setdefault(src, []).append(t.trigger)
                self._watching.setdefault(src, set()).update(kinds)
        self._events = {t.trigger for t in policy.transitions if not t.auto}

    @staticmethod
    def _naive_guard(t: TransitionDef, judges: dict[str, CriterionJudge]) -> Callable[[EventData], bool]:
        def guard(event: EventData) -> bool:
            model: CaseWrapper = event.model  # type: ignore[assignment]
            assert model.facts is not None

            def status(cid: str) -> Status:
                if cid not in model.memo:
                    model.memo[cid] = judges[cid](model.facts)  # type: ignore[arg-type]
                return model.memo[cid].status  # type: ignore[no-any-return]

            return all(status(c) in (MET, Status.NOT_APPLICABLE) for c in t.requires) and all(
                status(c) is NOT_MET for c in t.requires_not_met)

        return guard

    def replay(self, view: CaseView, as_of: dt.date, *, history_only: bool = True,
               facts: Facts | None = None) -> Replay:
        model = CaseWrapper(view.case)
        Machine(model=model, states=[s.name for s in self.policy.states], initial=self.policy.initial,
                transitions=self._specs, send_event=True)
        steps: list[Step] = []
        excluded: list[Step] = []
        facts_on: dict[dt.date, Facts] = {}
        for ev in view.ordered:
            day = ev.date
            if day > as_of or (history_only and ev.procedure and day == as_of):
                excluded.append(Step(ev.id, ev.type, day, model.state, model.state, False, "not part of the case"))
                continue
            if day not in facts_on:
                facts_on[day] = Facts(view, day)
            if model.facts is not facts_on[day]:
                model.facts, model.memo = facts_on[day], {}
            if ev.type in self._events:
                self._milestones(model, day, steps)
                steps.append(self._trigger(model, ev.type, ev.id, day))
                self._milestones(model, day, steps)
            elif ev.type in self._watching.get(model.state, ()):
                self._milestones(model, day, steps)
        model.facts, model.memo = facts or Facts(view, as_of, history_only=history_only), {}
        self._milestones(model, as_of, steps)
        return Replay(model.state, steps, excluded)

    def _milestones(self, model: CaseWrapper, day: dt.date, steps: list[Step]) -> None:
        moved = True
        while moved:
            moved = False
            for trig in self._auto.get(model.state, ()):
                step = self._trigger(model, trig, None, day)
                if step.applied:
                    steps.append(step)
                    moved = True
                    break

    @staticmethod
    def _trigger(model: CaseWrapper, name: str, event_id: str | None, day: dt.date) -> Step:
        before = model.state
        try:
            applied = bool(model.trigger(name))  # type: ignore[attr-defined]
        except MachineError:
            return Step(event_id, name, day, before, before, False, f"{name} cannot follow state {before}")
        return Step(event_id, name, day, before, model.state, applied, f"{before} -> {model.state}")


class NaiveEngine(Engine):
    """The engine with its shared machine swapped for a machine per case."""

    def compiled(self, policy: Policy) -> CompiledPolicy:
        hit = self._compiled.get(policy.key)
        if hit is None:
            hit = CompiledPolicy.build(policy)
            hit.pathway = NaivePathway(policy, hit.judges)
            self._compiled[policy.key] = hit
        return hit
