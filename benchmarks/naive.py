"""The naive baseline: one ``transitions.Machine`` per case, the case wrapper as its model.

What a first design with ``transitions`` looks like, and what ``bench_decide.py`` (and
``bench_memory.py``) measure the engine against: every decision builds a ``Machine``
from the policy with the case wrapper as its model (library defaults otherwise:
``auto_transitions=True``, model decoration), replays the events through the
model-bound triggers (``wrapper.trigger(name)``) and then judges the codes exactly as
the engine does. Only the machine differs; the replay *rules* are the engine's own
code (milestones, procedures taken on credit, held trial outcomes, rejections), so the
decisions are the same (``tests/bench/test_bench_floor.py`` checks it).
"""

from __future__ import annotations

from transitions import Machine

from scs_workflow.engine.decision import CompiledPolicy, Engine
from scs_workflow.engine.pathway import Pathway, _Walker
from scs_workflow.policy import Policy
from scs_workflow.policy.criteria import CriterionJudge


class CaseWrapper(_Walker):
    """The model handed to ``transitions``: a walker with a ``Machine`` of its own (it gets a ``__dict__``)."""


class NaivePathway(Pathway):
    """The policy's pathway, replayed on a ``Machine`` built for each case.

    The replay rules (milestones, credit, held events, rejections) are the engine's own:
    only the machine differs, built per case with the case wrapper as its model and
    triggered through the model-bound methods (``wrapper.trigger(name)``).
    """

    def __init__(self, policy: Policy, judges: dict[str, CriterionJudge]) -> None:
        super().__init__(policy, judges)  # the map the decisions walk stays the engine's
        self._specs = [
            {"trigger": t.trigger, "source": src, "dest": t.dest,
             **({"conditions": [self._guard(t)]} if t.requires or t.requires_not_met else {})}
            for t in policy.transitions for src in t.source
        ]

    def _new_walker(self) -> _Walker:
        model = CaseWrapper(self.policy.initial)
        Machine(model=model, states=[s.name for s in self.policy.states], initial=self.policy.initial,
                transitions=self._specs, send_event=True)
        return model

    def _trigger(self, walker: _Walker, trigger: str) -> bool:
        return bool(walker.trigger(trigger))  # type: ignore[attr-defined]


class NaiveEngine(Engine):
    """The engine with its shared machine swapped for a machine per case."""

    def compiled(self, policy: Policy) -> CompiledPolicy:
        hit = self._compiled.get(policy.key)
        if hit is None:
            hit = CompiledPolicy.build(policy)
            hit.pathway = NaivePathway(policy, hit.judges)
            self._compiled[policy.key] = hit
        return hit
