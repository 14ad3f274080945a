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

from ..model.case import RECORD_TYPES
from ..model.facts import FACTS, CaseView, Facts
from ..policy import Policy, TransitionDef
from ..policy.criteria import INSUFFICIENT, MET, NOT_MET, CriterionJudge, Judgement, Status, leaves

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
class Hop:
    """One transition on the way to where a code is allowed."""

    trigger: str
    source: str
    dest: str
    auto: bool
    requires: tuple[str, ...]
    requires_not_met: tuple[str, ...]

    @property
    def paperwork(self) -> bool:
        """Documentation stands in the way, not a procedure: a milestone, or a record such as the
        trial outcome (a missing record pends for it, never denies)."""
        return self.auto or self.trigger in RECORD_TYPES


@dataclass(frozen=True)
class Deficit:
    """A criterion a procedure was taken on credit for: it happened before its documentation was filed."""

    criterion: str
    event_id: str
    date: dt.date
    milestone: str
    """The transition whose evidence was missing (a skipped milestone or the procedure's own guard)."""


@dataclass(frozen=True)
class Replay:
    """Where the case stands, how it got there, and what it still owes.

    ``awaiting``: transitions out of ``state`` that a recorded event would take but for missing
    evidence (paperwork: their criteria name the documents); ``deficits``: criteria owed by
    procedures that happened before their documentation; ``rejected``: ids of events the pathway
    refused; ``facts``: the as-of facts, which never read a rejected event.
    """

    state: str
    steps: list[Step]
    excluded: list[Step]
    facts: Facts
    rejected: frozenset[str] = frozenset()
    awaiting: tuple[Hop, ...] = ()
    deficits: tuple[Deficit, ...] = ()


@dataclass
class _Walk:
    """Replay's running record of one case."""

    walker: _Walker
    view: CaseView
    steps: list[Step] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)
    awaiting: tuple[Hop, ...] = ()
    awaiting_event: tuple[str, str] | None = None  # (trigger, event id) held for its documentation
    deficits: list[Deficit] = field(default_factory=list)
    restate: dict[str, tuple[str, str]] = field(default_factory=dict)
    facts_on: dict[dt.date, Facts] = field(default_factory=dict)

    def facts(self, day: dt.date) -> Facts:
        hit = self.facts_on.get(day)
        if hit is None:
            hit = self.facts_on[day] = Facts(self.view, day, status_only=True)  # values: no evidence lists
        return hit

    def reject(self, ev: Any) -> None:
        """Facts stop reading *ev*: replay's own copy of the view drops it in place."""
        if not self.rejected:
            self.view = self.view.private()
        self.rejected.add(ev.id)
        self.view.drop(ev)
        self.facts_on.clear()

    def finish(self) -> CaseView:
        """The view without the rejected events, saying so (``excluded``)."""
        if self.rejected:
            self.view.excluded = self.view.excluded | self.rejected
        return self.view


@dataclass(frozen=True)
class _Fired:
    step: Step
    checks: list[GuardCheck]
    invalid: bool
    """The trigger does not leave this state at all (``cannot follow``)."""


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

        Unknown is never a refusal: a procedure that happened before the documentation of the
        milestones it needed is taken on credit (the missing criteria become ``deficits``), and a
        documentation event whose transition lacks evidence waits for it (``awaiting``). Only an
        event that cannot happen from where the case is, or whose criteria are not met, is
        rejected, and facts stop reading it.
        """
        view = view.known(as_of)  # corrections recorded after as_of are not known yet
        walk = _Walk(self._new_walker(), view)
        excluded: list[Step] = []
        for ev in view.ordered:
            day = ev.date
            state = walk.walker.state
            if day > as_of:
                excluded.append(Step(ev.id, ev.type, day, state, state, False,
                                     f"dated after {as_of.isoformat()}: not yet part of the case"))
                continue
            if history_only and ev.procedure and day == as_of:
                excluded.append(Step(ev.id, ev.type, day, state, state, False,
                                     "performed on the date of service: it is the service under "
                                     "review, not history"))
                continue
            if ev.type in self.event_triggers:
                self._settle(walk.walker, day, walk.facts(day), walk.steps)
                self._event(walk, ev, day)
                self._settle(walk.walker, day, walk.facts(day), walk.steps)
            elif walk.awaiting_event and ev.type in self._reads_of(walk.awaiting):
                trigger, held = walk.awaiting_event  # documentation for a held event arrived: judge it again
                self._judge_held(walk, trigger, held, day)
                self._settle(walk.walker, day, walk.facts(day), walk.steps)
            elif ev.type in self._watch.get(walk.walker.state, ()):
                self._settle(walk.walker, day, walk.facts(day), walk.steps)
        walk.finish()
        if facts is None or facts.view is not walk.view:
            facts = Facts(walk.view, as_of, history_only=history_only,
                          line=None if facts is None else facts.line,
                          requested=() if facts is None else facts.requested)
        self._settle(walk.walker, as_of, facts, walk.steps)
        state = walk.walker.state
        awaiting = tuple(h for h in walk.awaiting if h.source == state)
        return Replay(state, walk.steps, excluded, facts, frozenset(walk.rejected), awaiting,
                      tuple(walk.deficits))

    def _event(self, walk: _Walk, ev: Any, day: dt.date) -> None:
        """Fire one recorded event: apply it, take it on credit, hold it for documentation, or reject it."""
        walker, facts = walk.walker, walk.facts(day)
        before = walker.state
        again = walk.restate.get(ev.type)
        if again is not None and not ev.procedure and before == again[1]:
            walker.state = again[0]  # a later record of the same documentation: judge it again
        fired = self._fire(walker, ev.type, ev.id, day, facts, explain=True)
        step, held = fired.step, False
        if step.applied:
            pass
        elif fired.invalid:
            walker.state = before
            if ev.procedure:
                step = self._on_credit(walk, ev, day) or step
        else:
            owed = [(c, o) for c in fired.checks if (o := _owed(c))]
            if owed and ev.procedure:  # it happened: the pathway follows it and the evidence is owed
                check, crits = owed[0]
                walker.state = check.transition.dest
                walk.deficits.extend(Deficit(cid, ev.id, day, check.transition.trigger) for cid in crits)
                step = Step(ev.id, ev.type, day, step.from_state, walker.state, True,
                            f"{check.transition.description or check.transition.dest}; on credit: "
                            f"{', '.join(crits)} not documented yet")
            elif owed:  # a record whose transition waits for its missing evidence
                walk.awaiting = tuple(_held_hop(c, o, step.from_state) for c, o in owed)
                walk.awaiting_event = (ev.type, ev.id)
                step = Step(ev.id, ev.type, day, before, step.from_state, False,
                            "awaiting documentation: " + step.reason)
                held = True
            else:
                walker.state = before
        if step.applied:
            walk.awaiting, walk.awaiting_event = (), None
            walk.restate = {} if ev.procedure else {ev.type: (step.from_state, step.to_state)}
            if before != step.from_state:
                step = Step(step.event_id, step.event_type, step.date, before, step.to_state, True,
                            f"judged again on the later record: {step.reason}")
        elif not held:
            walk.reject(ev)
        walk.steps.append(_corrected_note(step, walk.view))

    def _judge_held(self, walk: _Walk, trigger: str, event_id: str, day: dt.date) -> None:
        """Documentation a held event was waiting for arrived: judge it again."""
        if not walk.awaiting or walk.walker.state != walk.awaiting[0].source:
            return
        fired = self._fire(walk.walker, trigger, event_id, day, walk.facts(day), explain=True)
        if fired.step.applied:
            walk.steps.append(Step(event_id, trigger, day, fired.step.from_state, fired.step.to_state, True,
                                   f"documentation completed: {fired.step.reason}"))
            walk.awaiting, walk.awaiting_event = (), None
            walk.restate = {trigger: (fired.step.from_state, fired.step.to_state)}

    def _reads_of(self, hops: tuple[Hop, ...]) -> frozenset[str]:
        kinds: set[str] = set()
        for h in hops:
            for cid in h.requires + h.requires_not_met:
                crit = self.policy.criteria[cid]
                for expr in (crit.test, crit.when):
                    if expr is not None:
                        kinds.update(k for leaf in leaves(expr) for k in FACTS[leaf.fact].reads)
        return frozenset(kinds)

    def _on_credit(self, walk: _Walk, ev: Any, day: dt.date) -> Step | None:
        """A procedure that cannot follow the state: take the milestones it skipped (and a held
        transition, e.g. a trial outcome without its figures) on credit, if only missing
        documentation blocks them; a milestone that is not met is never skipped."""
        walker, facts = walk.walker, walk.facts(day)
        sources = set(self.machine.events[ev.type].transitions)
        start = walker.state
        seen = {start}
        queue: deque[tuple[str, list[tuple[Hop, tuple[str, ...]]]]] = deque([(start, [])])
        while queue:
            state, path = queue.popleft()
            held = [h for h in walk.awaiting if h.source == state]
            for hop in [h for h in self.hops_from(state) if h.auto] + held:
                if hop.dest in seen:
                    continue
                crits = self._owed_by(hop, facts)
                if crits is None:
                    continue
                route = path + [(hop, crits)]
                if hop.dest in sources:
                    walker.state = hop.dest
                    fired = self._fire(walker, ev.type, ev.id, day, facts, explain=True)
                    if fired.step.applied:
                        for h, owed in route:
                            held_id = walk.awaiting_event[1] if walk.awaiting_event and h in walk.awaiting else None
                            walk.steps.append(Step(held_id, h.trigger, day, h.source, h.dest, True,
                                                   f"on credit for {ev.id}: {', '.join(owed)} not documented yet"))
                            walk.deficits.extend(Deficit(cid, ev.id, day, h.trigger) for cid in owed)
                        return Step(ev.id, ev.type, day, start, walker.state, True, fired.step.reason)
                    walker.state = start
                seen.add(hop.dest)
                queue.append((hop.dest, route))
        return None

    def _owed_by(self, hop: Hop, facts: Facts) -> tuple[str, ...] | None:
        memo = facts.judged
        results = []
        for cid in hop.requires + hop.requires_not_met:
            j = memo.get(cid)
            if j is None:
                j = memo[cid] = self._judges[cid](facts)
            results.append((cid, j))
        t = next(t for t in self.policy.transitions if t.trigger == hop.trigger and t.dest == hop.dest
                 and hop.source in t.source)
        return _owed(GuardCheck(t, False, results))

    def _new_walker(self) -> _Walker:
        return _Walker(self.policy.initial)

    def _trigger(self, walker: _Walker, trigger: str) -> bool:
        return bool(self.machine.events[trigger].trigger(walker))

    def _settle(self, walker: _Walker, day: dt.date, facts: Facts, steps: list[Step]) -> None:
        """Take every documentation milestone the facts now support."""
        for _ in range(len(self.policy.states)):
            triggers = self._autos_from.get(walker.state)
            if not triggers:
                return
            moved = False
            for trig in triggers:
                step = self._fire(walker, trig, None, day, facts, explain=False).step
                if step.applied:
                    steps.append(step)
                    moved = True
                    break
            if not moved:
                return

    def _fire(self, walker: _Walker, trigger: str, event_id: str | None, day: dt.date, facts: Facts,
              *, explain: bool) -> _Fired:
        before = walker.state
        ctx = walker.ctx = _Context(facts)
        try:
            applied = self._trigger(walker, trigger)
        except MachineError:
            sources = sorted(self.machine.events[trigger].transitions)
            return _Fired(Step(event_id, trigger, day, before, before, False,
                               f"{trigger} cannot follow state {before}: it follows {', '.join(sources)}"), [], True)
        finally:
            walker.ctx = None
        if applied:
            why = next((c.transition.description for c in ctx.checks if c.passed), "")
            return _Fired(Step(event_id, trigger, day, before, walker.state, True,
                               why or f"{before} -> {walker.state}"), ctx.checks, False)
        return _Fired(Step(event_id, trigger, day, before, before, False,
                           _why_not(ctx.checks) if explain else ""), ctx.checks, False)

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


def _owed(check: GuardCheck) -> tuple[str, ...] | None:
    """The criteria that block *check* for lack of evidence only (none: it passes); None if one is
    decided against it."""
    n = len(check.transition.requires)
    owed = []
    for i, (cid, j) in enumerate(check.results):
        ok = (MET, Status.NOT_APPLICABLE) if i < n else (NOT_MET,)
        if j.status in ok:
            continue
        if j.status is not INSUFFICIENT:
            return None
        owed.append(cid)
    return tuple(owed)


def _held_hop(check: GuardCheck, owed: tuple[str, ...], source: str) -> Hop:
    """The transition a held event will take once *owed* is documented: paperwork from *source*."""
    t = check.transition
    return Hop(t.trigger, source, t.dest, True, tuple(c for c in owed if c in t.requires),
               tuple(c for c in owed if c in t.requires_not_met))


def _corrected_note(step: Step, view: CaseView) -> Step:
    fixes = view.corrected_by.get(step.event_id or "")
    if not fixes:
        return step
    return Step(step.event_id, step.event_type, step.date, step.from_state, step.to_state, step.applied,
                f"{step.reason} (record as corrected by {', '.join(fixes)})")


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
