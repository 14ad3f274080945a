"""Decisions: may this code be authorized for this case on this date, and if not, why not?

``decide`` replays the case through its policy's pathway, judges every criterion that
gates each requested code (medical necessity), then judges the request as a whole against
the policy's coding edits of stage ``request`` (units summed per code across lines,
same-day bundling between the requested lines, place of service, lifetime and per-region
counts against the case's history) with the same checks ``check-claim`` runs. A line's
outcome is the worst of its gate and its coding findings; only a gate deny asks for
clinical review (a deny is a recommendation for a reviewer, never the engine's own). The
same case, policy version and date always give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict

from ..model.case import Case
from ..model.errors import CaseError, PolicyError, RequestError
from ..model.facts import FACTS, CaseView, Facts
from ..model.inputs import check_date_of_service
from ..model.service import ServiceLine, as_lines
from ..policy import CriterionDef, GateUse, Policy, PolicyLibrary, default_workflows_dir
from ..policy.codes import CodeCatalog, default_catalog
from ..policy.criteria import INSUFFICIENT, NOT_MET, CriterionJudge, Judgement, Status, compile_criterion, leaves
from ..version import __version__
from .coding import CHECKS as CODING_CHECKS
from .findings import Check, ClaimContext, Finding, run_edits
from .outcome import Outcome as Outcome  # re-exported: decisions are read with it
from .pathway import Hop, Pathway, Replay, Step
from .reconcile import CHECKS as RECONCILE_CHECKS

CHECKS: dict[str, Check] = {**CODING_CHECKS, **RECONCILE_CHECKS}
"""The check of every edit kind: the one implementation ``decide`` and ``check-claim`` share."""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class EvidenceItem(_Out):
    fact: str
    value: Any
    events: list[str]


class CriterionResult(_Out):
    id: str
    status: Status
    text: str
    message: str
    citation: str
    url: str | None
    verified: bool
    confidence: str
    evidence: list[EvidenceItem]


class UnlockStep(_Out):
    """One thing to happen or be documented on the shortest way to an allowed state."""

    action: str
    event: str | None
    to_state: str | None
    criteria: list[str]
    documents: list[str]


class CodeDecision(_Out):
    """One requested line: its gate (medical necessity) and its coding findings.

    ``outcome`` is the worst of ``gate_outcome`` and the ``coding`` findings (deny > pend >
    approve); ``requires_clinical_review`` is true only when the gate denies. ``reasons`` are
    the gate's; a coding conflict is reported once, in ``coding``. ``missing_documents``
    lists what to send for the gate's criteria and for the findings that pend on a fact the
    request does not state (e.g. the place of service).
    """

    code: str
    use: str | None
    outcome: Outcome
    requires_clinical_review: bool
    pathway_state: str
    allowed_states: list[str]
    reasons: list[str]
    criteria: list[CriterionResult]
    missing_documents: list[str]
    unlock: list[UnlockStep]
    gate_outcome: Outcome
    coding: list[Finding] = []


class HistoryStep(_Out):
    event_id: str | None
    event: str
    date: dt.date
    from_state: str
    to_state: str
    applied: bool
    reason: str


class Decision(_Out):
    case_id: str
    policy_id: str
    policy_version: str
    policy_lineage: list[str]
    date_of_service: dt.date
    pathway_state: str
    codes: list[CodeDecision]
    history: list[HistoryStep]
    excluded_events: list[HistoryStep]
    engine_version: str

    def for_code(self, code: str) -> CodeDecision:
        return next(c for c in self.codes if c.code == code)


@dataclass
class CompiledPolicy:
    """A policy with its criteria compiled to functions and its pathway machine built."""

    policy: Policy
    judges: dict[str, CriterionJudge]
    pathway: Pathway
    gate_criteria: dict[tuple[str, str], list[CriterionDef]]

    @classmethod
    def build(cls, policy: Policy) -> CompiledPolicy:
        judges = {cid: compile_criterion(c.test, c.when, policy.parameters) for cid, c in policy.criteria.items()}
        gate_criteria: dict[tuple[str, str], list[CriterionDef]] = {}
        for code, uses in policy.gates.items():
            for use in uses:
                refs = {code, f"{code}:{use.use}"}
                gate_criteria[(code, use.use)] = [c for c in policy.criteria.values() if refs & set(c.applies_to)]
        return cls(policy, judges, Pathway(policy, judges), gate_criteria)


def _request(case: Case, codes: Sequence[str | ServiceLine], policy: str | None) -> list[str | ServiceLine]:
    """The arguments of a decision checked for their types: a wrong one is an input error, not a TypeError."""
    if not isinstance(case, Case):
        raise CaseError(f"the case is a Case (load_case() / parse_case() make one), not {type(case).__name__}")
    if isinstance(codes, (str, bytes)) or not isinstance(codes, Sequence):
        raise RequestError(f"the request is a list of codes or ServiceLines, not {type(codes).__name__}")
    if policy is not None and not isinstance(policy, str):
        raise RequestError(f"policy is a policy id (str), not {type(policy).__name__}")
    return list(codes)


class Engine:
    """Holds loaded policies and compiled pathways; one per process is plenty."""

    def __init__(self, library: PolicyLibrary | None = None, catalog: CodeCatalog | None = None) -> None:
        if library is not None and not isinstance(library, PolicyLibrary):
            raise PolicyError(f"Engine(library=...) takes a PolicyLibrary (PolicyLibrary.from_dir(...)), not "
                              f"{type(library).__name__}")
        self.library = library or PolicyLibrary.from_dir(default_workflows_dir())
        self.catalog = catalog or default_catalog()
        self._compiled: dict[str, CompiledPolicy] = {}

    def compiled(self, policy: Policy) -> CompiledPolicy:
        hit = self._compiled.get(policy.key)
        if hit is None:
            hit = self._compiled[policy.key] = CompiledPolicy.build(policy)
        return hit

    def policy_for(self, case: Case, on: dt.date, policy: str | None = None) -> Policy:
        return self.library.get(policy or case.policy, on=on)

    def decide(
        self,
        case: Case,
        codes: Sequence[str | ServiceLine],
        date_of_service: dt.date,
        *,
        policy: str | None = None,
        coding: bool = True,
    ) -> Decision:
        """Judge the request *codes* (its lines) for *case* on *date_of_service*.

        With ``coding=False`` only the gates are judged (``check-claim`` runs every edit itself).
        """
        return self.decide_with_view(case, codes, date_of_service, policy=policy, coding=coding)[0]

    def decide_with_view(
        self,
        case: Case,
        codes: Sequence[str | ServiceLine],
        date_of_service: dt.date,
        *,
        policy: str | None = None,
        coding: bool = True,
    ) -> tuple[Decision, CaseView]:
        """:meth:`decide`, with the case view the decision read (without the events the pathway rejected),
        so ``check-claim`` runs its edits on the same events without replaying the case again."""
        check_date_of_service(date_of_service)  # 1900..2100: an input error, like an unknown code
        lines = as_lines(_request(case, codes, policy))
        for line in lines:
            self.catalog.lookup(line.code)  # unknown codes are input errors, before any work
        compiled = self.compiled(self.policy_for(case, date_of_service, policy))
        view = CaseView(case)
        facts = Facts(view, date_of_service, history_only=True, requested=lines)
        replay = compiled.pathway.replay(view, date_of_service, facts=facts)
        facts = replay.facts  # the same facts, minus any event the pathway rejected
        gated = [self._gate(compiled, replay.state, facts.for_line(line), line, replay) for line in lines]
        found = (self._request_edits(compiled.policy, case, facts.view, date_of_service, lines, gated, replay.state)
                 if coding else [[] for _ in lines])
        decisions = [self._decide_line(compiled, replay, line, g, f)
                     for line, g, f in zip(lines, gated, found, strict=True)]
        pol = compiled.policy
        return Decision(
            case_id=case.case_id, policy_id=pol.id, policy_version=pol.version, policy_lineage=pol.lineage,
            date_of_service=date_of_service, pathway_state=replay.state, codes=decisions,
            history=[_history(s) for s in replay.steps], excluded_events=[_history(s) for s in replay.excluded],
            engine_version=__version__,
        ), facts.view

    def outcomes(
        self, case: Case, codes: Sequence[str | ServiceLine], date_of_service: dt.date, *, policy: str | None = None
    ) -> Outcomes:
        """The pathway state and, per code, the outcome and the ids of the criteria and edits that failed.

        The same judgement as :meth:`decide` without building its explanation: for batch
        re-evaluation, where only what changed matters.
        """
        check_date_of_service(date_of_service)
        lines = as_lines(_request(case, codes, policy))
        for line in lines:
            self.catalog.lookup(line.code)
        cp = self.compiled(self.policy_for(case, date_of_service, policy))
        view = CaseView(case)
        facts = Facts(view, date_of_service, history_only=True, requested=lines)
        replay = cp.pathway.replay(view, date_of_service, facts=facts)
        state, facts = replay.state, replay.facts
        gated = [self._gate(cp, state, facts.for_line(line), line, replay) for line in lines]
        found = self._request_edits(cp.policy, case, facts.view, date_of_service, lines, gated, state)
        out: list[tuple[str, Outcome, list[str]]] = []
        for line, g, findings in zip(lines, gated, found, strict=True):
            if isinstance(g, str):
                outcome, failing = Outcome.DENY, []
            else:
                outcome = g.outcome
                failing = [c.id for c, j in g.judged if j.status in (NOT_MET, INSUFFICIENT)]
            out.append((line.code, worst([outcome, *(Outcome(f.outcome) for f in findings)]),
                        failing + [f.edit for f in findings]))
        return Outcomes(cp.policy.key, state, out)

    def _request_edits(self, policy: Policy, case: Case, view: CaseView, day: dt.date, lines: list[ServiceLine],
                       gated: Sequence[_Gated | str], state: str) -> list[list[Finding]]:
        """The policy's edits of stage ``request``, judged on the request as a whole."""
        uses = [None if isinstance(g, str) else g.use.use for g in gated]
        ctx = ClaimContext(case, view, policy, day, lines, uses, state, authorization_number=None,
                           catalog=self.catalog)
        return run_edits(ctx, list(policy.edits.values()), CHECKS, "request")

    def _gate(self, cp: CompiledPolicy, state: str, facts: Facts, line: ServiceLine,
              replay: Replay | None = None) -> _Gated | str:
        """Judge one line at its gate; a string is the reason a code is refused outright."""
        info = self.catalog.lookup(line.code)
        if not info.in_pathway:
            reason = info.refusal or f"{line.code} is outside the SCS pathway"
            return f"{reason} [{info.cite}]" if info.cite else reason
        uses = cp.policy.gates.get(line.code)
        if not uses:
            return f"{line.code} is not covered by policy {cp.policy.key}"
        if line.use is not None:
            use = _named_use(line, uses)
            path = cp.pathway.shortest_path(state, set(use.states))
        else:
            use, path = _choose_use(cp.pathway, state, uses)
        path, owed = _documentation_owed(cp, replay, state, use, path)
        fits = state in use.states
        by_paperwork = path is not None and all(h.paperwork for h in path)
        # the criteria of the gate, plus those of any documentation milestone still ahead
        crits = list(cp.gate_criteria[(line.code, use.use)])
        if not fits and by_paperwork and path:
            have = {c.id for c in crits}
            for hop in path:
                for cid in hop.requires:
                    if cid not in have:
                        crits.append(cp.policy.criteria[cid])
                        have.add(cid)
        crits += [cp.policy.criteria[cid] for cid in owed if cid not in {c.id for c in crits}]
        judged = [(c, cp.judges[c.id](facts)) for c in crits]
        statuses = {j.status for _, j in judged}
        if (not fits and not by_paperwork) or NOT_MET in statuses:
            outcome = Outcome.DENY
        elif INSUFFICIENT in statuses or not fits:
            outcome = Outcome.PEND
        else:
            outcome = Outcome.APPROVE
        return _Gated(use, path, fits, by_paperwork, judged, outcome)

    def _decide_line(self, cp: CompiledPolicy, replay: Replay, line: ServiceLine, gated: _Gated | str,
                     coding: list[Finding]) -> CodeDecision:
        state = replay.state
        if isinstance(gated, str):
            return _deny_only(line.code, state, gated, coding)
        use, judged, outcome = gated.use, gated.judged, gated.outcome
        reasons = []
        if not gated.fits and not gated.by_paperwork:
            where = ", ".join(use.states)
            why = f"{line.code} ({use.use}) is allowed in state {where}; the case is in {state}"
            if use.note:
                why += f". {use.note}"
            reasons.append(f"{why} [{use.cite or f'{cp.policy.key} gate {line.code}:{use.use}'}]")
        for c, j in judged:
            if j.status in (NOT_MET, INSUFFICIENT):
                reasons.append(f"{c.id} {j.status.value}: {_detail(j)} [{c.cite}]")
        if outcome is Outcome.PEND and not reasons:
            reasons.append(f"the case has not reached {', '.join(use.states)} yet")
        return CodeDecision(
            code=line.code, use=use.use, outcome=_with_findings(outcome, coding),
            requires_clinical_review=outcome is Outcome.DENY, pathway_state=state, allowed_states=list(use.states),
            reasons=reasons, criteria=[_result(c, j) for c, j in judged],
            missing_documents=_missing(judged, coding),
            unlock=[] if outcome is Outcome.APPROVE else _unlock(cp, gated.path, judged),
            gate_outcome=outcome, coding=coding,
        )


class Outcomes(NamedTuple):
    """:meth:`Engine.outcomes`: what :meth:`Engine.decide` concludes, without the explanation."""

    policy: str
    state: str
    codes: list[tuple[str, Outcome, list[str]]]


@dataclass(frozen=True)
class _Gated:
    """How one line fared at its gate, before any explanation is written."""

    use: GateUse
    path: list[Hop] | None
    fits: bool
    by_paperwork: bool
    judged: list[tuple[CriterionDef, Judgement]]
    outcome: Outcome


def _named_use(line: ServiceLine, uses: list[GateUse]) -> GateUse:
    for use in uses:
        if use.use == line.use:
            return use
    names = ", ".join(u.use for u in uses)
    raise RequestError(f"{line.code} has no use {line.use!r} under this policy (uses: {names})")


def _choose_use(pathway: Pathway, state: str, uses: list[GateUse]) -> tuple[GateUse, list[Hop] | None]:
    """The use the case's state allows, else the nearest one by the pathway."""
    for use in uses:
        if state in use.states:
            return use, []
    best: tuple[int, int, GateUse, list[Hop] | None] | None = None
    for use in uses:
        path = pathway.shortest_path(state, set(use.states))
        if path is None:
            continue
        paperwork_only = all(h.paperwork for h in path)
        key = (0 if paperwork_only else 1, len(path))
        if best is None or key < best[:2]:
            best = (key[0], key[1], use, path)
    if best is None:
        return uses[0], None
    return best[2], best[3]


def _documentation_owed(
    cp: CompiledPolicy, replay: Replay | None, state: str, use: GateUse, path: list[Hop] | None
) -> tuple[list[Hop] | None, list[str]]:
    """What the case still owes on its way to *use*, as paperwork rather than a refusal.

    A transition the pathway holds for missing evidence (a trial outcome without its figures)
    makes its destination reachable by documentation: pend for its documents, never deny.
    Criteria owed by a procedure taken on credit (done before its documentation was filed) are
    judged again at the gate, as of the date of service: still unknown pends, not met denies.
    """
    if replay is None:
        return path, []
    owed = [d.criterion for d in replay.deficits]
    if state not in use.states and (path is None or not all(h.auto for h in path)):
        for held in replay.awaiting:
            rest = [] if held.dest in use.states else cp.pathway.shortest_path(held.dest, set(use.states))
            if rest is not None and all(h.auto for h in rest):
                path = [held, *rest]
                owed += [*held.requires, *held.requires_not_met]
                break
    return path, list(dict.fromkeys(owed))


def _detail(j: Judgement) -> str:
    bad = [leaf.message for leaf in j.leaves if leaf.status in (NOT_MET, INSUFFICIENT)]
    return "; ".join(bad) if bad else j.status.value


def _result(c: CriterionDef, j: Judgement) -> CriterionResult:
    if j.status is Status.NOT_APPLICABLE:
        message = "does not apply: " + "; ".join(leaf.message for leaf in j.leaves)
    else:
        message = "; ".join(leaf.message for leaf in j.leaves)
    return CriterionResult(
        id=c.id, status=j.status, text=c.text, message=message, citation=c.cite, url=c.url,
        verified=c.verified, confidence=c.confidence,
        evidence=[EvidenceItem(fact=leaf.fact, value=leaf.value, events=list(leaf.events)) for leaf in j.leaves],
    )


_RANK = {Outcome.APPROVE: 0, Outcome.PEND: 1, Outcome.DENY: 2}


def worst(outcomes: Sequence[Outcome]) -> Outcome:
    """deny > pend > approve (nothing to judge: approve)."""
    return max(outcomes, key=_RANK.__getitem__, default=Outcome.APPROVE)


def _with_findings(gate: Outcome, coding: list[Finding]) -> Outcome:
    return worst([gate, *(Outcome(f.outcome) for f in coding)])


def _missing(judged: list[tuple[CriterionDef, Judgement]], coding: Sequence[Finding] = ()) -> list[str]:
    docs: dict[str, None] = {}
    for c, j in judged:
        if j.status is not INSUFFICIENT:
            continue
        if c.document:
            docs[c.document] = None
            continue
        for leaf in j.leaves:
            if leaf.status is INSUFFICIENT:
                docs[FACTS[leaf.fact].document] = None
    for f in coding:
        if f.outcome == "pend" and f.missing:
            docs[f.missing] = None
    return list(docs)


def _unlock(
    cp: CompiledPolicy, path: list[Hop] | None, judged: list[tuple[CriterionDef, Judgement]]
) -> list[UnlockStep]:
    if path is None:
        return []
    steps = []
    for hop in path:
        crits = list(hop.requires) + [f"not {c}" for c in hop.requires_not_met]
        docs = {cp.policy.criteria[c].document or _docs_of(cp.policy.criteria[c]): None for c in hop.requires}
        kind = "document" if hop.auto else "record"
        steps.append(UnlockStep(
            action=f"{kind} {hop.trigger.replace('_', ' ')} ({hop.source} -> {hop.dest})",
            event=None if hop.auto else hop.trigger, to_state=hop.dest, criteria=crits, documents=list(docs),
        ))
    on_the_way = {c for hop in path for c in hop.requires + hop.requires_not_met}
    for c, j in judged:
        if j.status not in (NOT_MET, INSUFFICIENT) or c.id in on_the_way:
            continue
        verb = "document" if j.status is INSUFFICIENT else "meet"
        steps.append(UnlockStep(
            action=f"{verb} {c.id}: {c.text}", event=None, to_state=None, criteria=[c.id],
            documents=_missing([(c, j)]),
        ))
    return steps


def _docs_of(c: CriterionDef) -> str:
    names = dict.fromkeys(FACTS[leaf.fact].document for leaf in leaves(c.test))
    return "; ".join(names)


def _deny_only(code: str, state: str, reason: str, coding: list[Finding]) -> CodeDecision:
    return CodeDecision(
        code=code, use=None, outcome=Outcome.DENY, requires_clinical_review=True, pathway_state=state,
        allowed_states=[], reasons=[reason], criteria=[], missing_documents=_missing([], coding), unlock=[],
        gate_outcome=Outcome.DENY, coding=coding,
    )


def _history(s: Step) -> HistoryStep:
    return HistoryStep(event_id=s.event_id, event=s.event_type, date=s.date, from_state=s.from_state,
                       to_state=s.to_state, applied=s.applied, reason=s.reason)


_DEFAULT: Engine | None = None


def default_engine() -> Engine:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Engine()
    return _DEFAULT


def decide(
    case: Case, codes: Sequence[str | ServiceLine], date_of_service: dt.date, *, policy: str | None = None
) -> Decision:
    """Decide *codes* for *case* on *date_of_service* with the shipped policies."""
    return default_engine().decide(case, codes, date_of_service, policy=policy)
