"""The SCS pathway: one shared ``transitions`` machine per policy version, replayed per case.

The machine is built from the policy's states and transitions, never by hand. Cases
are not registered with it (no ``add_model``, no per-case ``Machine``): replay walks
a two-slot object through ``machine.events[name].trigger`` and reads the state back.
This is the only module that imports ``transitions``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from transitions import EventData, Machine, MachineError

from .criteria import INSUFFICIENT, MET, NOT_MET, CriterionJudge, Judgement, Status, leaves
from .facts import FACTS, CaseView, Facts
from .policy import Policy, TransitionDef

logging.getLogger("transitions").setLevel(logging.WARNING)  # ~10 records per trigger otherwise


class _Walker:
    """The only per-case object the machine sees; it holds the state and the replay context."""

    __slots__ = ("ctx", "state")

    def __init__(self, state: str) -> None:
        self.state = state
        self.ctx: _Context | None = None


@dataclass
class GuardCheck:
    transition: TransitionDef
    passed: bool
    results: list[tuple[str, Judgement]]


@dataclass
class _Context:
    facts: Facts
    checks: list[GuardCheck] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    """One event (or an automatic milestone) as replay saw it."""

    event_id: str | None
    event_type: str
    date: dt.date
    from_state: str
    to_state: str
    applied: bool
    reason: str


@dataclass(frozen=True)
class Replay:
    state: str
    steps: list[Step]
    excluded: list[Step]


@dataclass(frozen=True)
class Hop:
    """One transition on the way to where a code is allowed."""

    trigger: str
    source: str
    dest: str
    auto: bool
    requires: tuple[str, ...]
    requires_not_met: tuple[str, ...]


class Pathway:
    """A policy version's pathway, compiled once and shared by every case."""

    def __init__(self, policy: Policy, judges: dict[str, CriterionJudge]) -> None:
        self.policy = policy
        self._judges = judges
        specs = []
        for t in policy.transitions:
            for src in t.source:
                spec: dict[str, Any] = {"trigger": t.trigger, "source": src, "dest": t.dest}
                if t.requires or t.requires_not_met:
                    spec["conditions"] = [self._guard(t)]
                specs.append(spec)
        self.machine = Machine(
            model=None, states=[s.name for s in policy.states], initial=policy.initial,
            transitions=specs, auto_transitions=False, send_event=True, queued=False,
            ignore_invalid_triggers=False, model_attribute="state",
        )
        self.event_triggers = {t.trigger for t in policy.transitions if not t.auto}
        self._autos_from: dict[str, list[str]] = {}
        for t in policy.transitions:
            if t.auto:
                for src in t.source:
                    names = self._autos_from.setdefault(src, [])
                    if t.trigger not in names:
                        names.append(t.trigger)
        self._watch = self._watches(policy)
        self._hops = self._map()
        self._paths: dict[tuple[str, frozenset[str]], tuple[Hop, ...] | None] = {}

    def _guard(self, t: TransitionDef) -> Callable[[EventData], bool]:
        judges = self._judges

        def guard(event: EventData) -> bool:
            walker: _Walker = event.model  # type: ignore[assignment]
            ctx = walker.ctx
            assert ctx is not None, "guards run only inside Pathway._fire"
            facts = ctx.facts
            memo = facts.judged
            results = []
            for cid in t.requires + t.requires_not_met:
                j = memo.get(cid)
                if j is None:
                    j = memo[cid] = judges[cid](facts)
                results.append((cid, j))
            ok = all(j.status in (MET, Status.NOT_APPLICABLE) for _, j in results[: len(t.requires)])
            ok = ok and all(j.status is NOT_MET for _, j in results[len(t.requires):])
            ctx.checks.append(GuardCheck(t, ok, results))
            return ok

        guard.__name__ = "+".join(t.requires + [f"not {c}" for c in t.requires_not_met])
        return guard

    def _watches(self, policy: Policy) -> dict[str, frozenset[str]]:
        """Per state, the event types that can change whether one of its milestones holds."""
        watch: dict[str, set[str]] = {}
        for t in policy.transitions:
            if not t.auto:
                continue
            kinds: set[str] = set()
            for cid in t.requires + t.requires_not_met:
                crit = policy.criteria[cid]
                for expr in (crit.test, crit.when):
                    if expr is not None:
                        kinds.update(k for leaf in leaves(expr) for k in FACTS[leaf.fact].reads)
            for src in t.source:
                watch.setdefault(src, set()).update(kinds)
        return {state: frozenset(kinds) for state, kinds in watch.items()}

    # --- replay -----------------------------------------------------------------------

    def replay(self, view: CaseView, as_of: dt.date, *, history_only: bool = True,
               facts: Facts | None = None) -> Replay:
        """Walk the case's events in date order as of *as_of*; nothing is silently dropped.

        Milestones are re-judged before every procedure (time may have made them true), after
        every event that one of them reads, and once more as of *as_of* — with *facts*, when the
        caller already holds the facts of that date, so they are measured once.
        """
        walker = _Walker(self.policy.initial)
        steps: list[Step] = []
        excluded: list[Step] = []
        facts_on: dict[dt.date, Facts] = {}
        for ev in view.ordered:
            day = ev.date
            if day > as_of:
                excluded.append(Step(ev.id, ev.type, day, walker.state, walker.state, False,
                                     f"dated after {as_of.isoformat()}: not yet part of the case"))
                continue
            if history_only and ev.procedure and day == as_of:
                excluded.append(Step(ev.id, ev.type, day, walker.state, walker.state, False,
                                     "performed on the date of service: it is the service under "
                                     "review, not history"))
                continue
            facts = facts_on.get(day)
            if facts is None:
                facts = facts_on[day] = Facts(view, day)
            if ev.type in self.event_triggers:
                self._settle(walker, day, facts, steps)
                steps.append(self._fire(walker, ev.type, ev.id, day, facts, explain=True))
                self._settle(walker, day, facts, steps)
            elif ev.type in self._watch.get(walker.state, ()):
                self._settle(walker, day, facts, steps)
        self._settle(walker, as_of, facts or Facts(view, as_of, history_only=history_only), steps)
        return Replay(walker.state, steps, excluded)

    def _settle(self, walker: _Walker, day: dt.date, facts: Facts, steps: list[Step]) -> None:
        """Take every documentation milestone the facts now support."""
        for _ in range(len(self.policy.states)):
            triggers = self._autos_from.get(walker.state)
            if not triggers:
                return
            moved = False
            for trig in triggers:
                step = self._fire(walker, trig, None, day, facts, explain=False)
                if step.applied:
                    steps.append(step)
                    moved = True
                    break
            if not moved:
                return

    def _fire(self, walker: _Walker, trigger: str, event_id: str | None, day: dt.date, facts: Facts,
              *, explain: bool) -> Step:
        before = walker.state
        ctx = walker.ctx = _Context(facts)
        try:
            applied = self.machine.events[trigger].trigger(walker)
        except MachineError:
            sources = sorted(self.machine.events[trigger].transitions)
            return Step(event_id, trigger, day, before, before, False,
                        f"{trigger} cannot follow state {before}: it follows {', '.join(sources)}")
        finally:
            walker.ctx = None
        if applied:
            why = next((c.transition.description for c in ctx.checks if c.passed), "")
            return Step(event_id, trigger, day, before, walker.state, True, why or f"{before} -> {walker.state}")
        return Step(event_id, trigger, day, before, before, False, _why_not(ctx.checks) if explain else "")

    # --- the map ----------------------------------------------------------------------

    def hops_from(self, state: str) -> list[Hop]:
        """Transitions leaving *state* that a case may take from here on, in the policy's order."""
        return self._hops.get(state, [])

    def _map(self) -> dict[str, list[Hop]]:
        """Read the edges back from the machine, so the map is what the machine runs."""
        hops: dict[str, list[Hop]] = {}
        for t in self.policy.transitions:
            for src in t.source:
                if t.onboarding:
                    continue
                for tr in self.machine.events[t.trigger].transitions.get(src, []):
                    if tr.dest == t.dest:
                        hops.setdefault(src, []).append(
                            Hop(t.trigger, src, tr.dest, t.auto, tuple(t.requires), tuple(t.requires_not_met)))
                        break
        return hops

    def shortest_path(self, start: str, targets: set[str] | frozenset[str]) -> list[Hop] | None:
        """Fewest transitions from *start* to any of *targets* (``[]`` if already there)."""
        key = (start, frozenset(targets))
        if key not in self._paths:  # the map never changes: each answer is computed once
            found = self._search(start, key[1])
            self._paths[key] = None if found is None else tuple(found)
        hit = self._paths[key]
        return None if hit is None else list(hit)

    def _search(self, start: str, targets: frozenset[str]) -> list[Hop] | None:
        if start in targets:
            return []
        seen = {start}
        queue: deque[tuple[str, list[Hop]]] = deque([(start, [])])
        while queue:
            state, path = queue.popleft()
            for hop in self.hops_from(state):
                if hop.dest in seen:
                    continue
                route = path + [hop]
                if hop.dest in targets:
                    return route
                seen.add(hop.dest)
                queue.append((hop.dest, route))
        return None


def _why_not(checks: list[GuardCheck]) -> str:
    parts = []
    for check in checks:
        bad = []
        for cid, j in check.results:
            wanted_not_met = cid in check.transition.requires_not_met
            if wanted_not_met and j.status is not NOT_MET:
                bad.append(f"{cid} is {j.status.value} (must be not met)")
            elif not wanted_not_met and j.status not in (MET, Status.NOT_APPLICABLE):
                detail = "; ".join(leaf.message for leaf in j.leaves if leaf.status in (NOT_MET, INSUFFICIENT))
                bad.append(f"{cid} is {j.status.value}" + (f" ({detail})" if detail else ""))
        if bad:
            parts.append(f"not {check.transition.dest}: " + ", ".join(bad))
    return "; ".join(parts) or "no transition applied"


def mermaid(policy: Policy) -> str:
    """The policy's pathway as a Mermaid state diagram, drawn by transitions' graph support.

    Built on a throw-away ``GraphMachine`` with one inert model: never the runtime machine.
    Guards show as ``[criterion & !criterion]``; the initial state is highlighted.
    """
    from transitions.extensions import GraphMachine

    class _Drawing:
        pass

    model = _Drawing()
    specs = [
        {"trigger": t.trigger, "source": src, "dest": t.dest,
         "conditions": list(t.requires), "unless": list(t.requires_not_met)}
        for t in policy.transitions for src in t.source
    ]
    GraphMachine(
        model=model, states=[s.name for s in policy.states], initial=policy.initial, transitions=specs,
        auto_transitions=False, graph_engine="mermaid", show_conditions=True, title=policy.title,
    )
    text: str = model.get_graph().draw(None)  # type: ignore[attr-defined]
    # transitions writes the title bare inside the front matter; Mermaid wants `title:`
    text = text.replace(f"---\n{policy.title}\n---", f"---\ntitle: {policy.key}: {policy.title}\n---", 1)
    finals = "".join(f"  {s.name} --> [*]\n" for s in policy.states if s.final)
    return text.rstrip() + "\n" + finals
