"""Claims: the lines billed for one date of service, checked against the case and its policy.

``check_claim`` gives every line the core engine's pathway gate (medical necessity) and
the policy's coding edits and authorization reconciliation, and says what to do::

    >>> from scs_workflow import load_case
    >>> from scs_workflow.claims import check_claim, load_claim
    >>> result = check_claim(load_case("examples/claims/case-fbss-hopd.json"),
    ...                      load_claim("examples/claims/permanent-implant-clean.json"))
    >>> [(line.code, line.outcome.value) for line in result.lines]
    [('63650', 'approve'), ('63685', 'approve')]

A line's outcome is the worst of its gate and its findings (deny > pend > approve).
Only a deny that comes from the gate asks for clinical review; a coding deny asks for a
corrected claim. Lines without a gate are judged by the edits alone: E/M lines (the codes of
the policy's ``em_same_day`` edits) and the catalog's claim-only codes (device supplies such as
L8680 or C1778, imaging guidance such as 77003). The edits of stage ``claim`` run here, through
the same checks ``decide`` runs for the edits of stage ``request``; each finding is reported once,
under ``edits`` or ``reconciliation`` (the line's ``gate`` carries the medical-necessity judgement
only). Edits that follow other lines (a device supply goes with its procedure:
``coding.FOLLOWING``) run last, on the other lines' outcomes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..engine.coding import FOLLOWING
from ..engine.decision import CHECKS, CodeDecision, Engine, Outcome, default_engine, worst
from ..engine.findings import ClaimContext, Finding, run_edits
from ..engine.reconcile import CHECKS as RECONCILE_CHECKS
from ..model.case import STRICT, Case, Date, Setting, problems_from, read_json
from ..model.errors import CaseError, ClaimError, Problem
from ..model.service import ServiceLine
from ..policy import Policy
from ..version import __version__


class Claim(BaseModel):
    """What was billed (or is about to be) for one date of service."""

    model_config = STRICT

    claim_id: str | None = None
    case_id: str | None = Field(None, description="the case it is for; checked when given")
    date_of_service: Date
    place_of_service: Setting | None = Field(None, description="for every line that does not give its own")
    authorization_number: str | None = Field(None, description="authorization number or Medicare OPD UTN")
    lines: list[ServiceLine] = Field(min_length=1)

    def service_lines(self) -> list[ServiceLine]:
        """The lines with the claim's place of service filled in."""
        return [ln if ln.place_of_service else ln.model_copy(update={"place_of_service": self.place_of_service})
                for ln in self.lines]


def parse_claim(data: Any, source: str = "claim") -> Claim:
    """Validate *data* as a claim; raise :class:`ClaimError` naming each JSON path."""
    try:
        claim = Claim.model_validate(data)
    except ValidationError as err:
        raise ClaimError(f"{source}: invalid claim", problems_from(err)) from None
    missing = [Problem(f"$.lines[{i}].place_of_service", "no place of service on the line or the claim")
               for i, ln in enumerate(claim.lines) if ln.place_of_service is None and claim.place_of_service is None]
    if missing:
        raise ClaimError(f"{source}: invalid claim", missing)
    return claim


def load_claim(path: str | Path) -> Claim:
    """Read and validate a claim JSON file."""
    return parse_claim(read_json(path, ClaimError, "claim"), str(path))


# --- the result ----------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class LineResult(_Out):
    line: int = Field(description="1-based, as on the claim")
    code: str
    family: str = Field(description="the code's catalog family (leads, generator, supply, imaging_guidance...), "
                                    "or em for an E/M line")
    units: int
    modifiers: list[str]
    place_of_service: str | None
    outcome: Outcome
    requires_clinical_review: bool = Field(description="the deny comes from medical necessity (the gate)")
    gate: CodeDecision | None = Field(description="the pathway gate (medical necessity only: its `coding` is empty, "
                                      "the coding findings are under `edits`); None for a line without one "
                                      "(E/M, device supply, imaging guidance)")
    edits: list[Finding]
    reconciliation: list[Finding]
    todo: list[str] = Field(description="what to do, in order: from the findings, then the gate")


class ClaimResult(_Out):
    claim_id: str | None
    case_id: str
    policy_id: str
    policy_version: str
    policy_lineage: list[str]
    date_of_service: dt.date
    authorization_number: str | None
    pathway_state: str
    outcome: Outcome
    lines: list[LineResult]
    edits_checked: list[str]
    edits_switched_off: list[str]
    engine_version: str

    def for_code(self, code: str) -> LineResult:
        return next(ln for ln in self.lines if ln.code == code)


def em_codes(policy: Policy) -> set[str]:
    """E/M codes the policy knows (from its ``em_same_day`` edits, on or off): they have no gate."""
    return {c for e in policy.edits.values() if e.kind == "em_same_day" for c in e.codes}


def check_claim(case: Case, claim: Claim, engine: Engine | None = None, *, policy: str | None = None) -> ClaimResult:
    """Check every line of *claim* against *case*: the pathway gate, the coding edits, the authorization."""
    if not isinstance(case, Case):
        raise CaseError(f"the case is a Case (load_case() / parse_case() make one), not {type(case).__name__}")
    if not isinstance(claim, Claim):
        raise ClaimError(f"the claim is a Claim (load_claim() makes one), not {type(claim).__name__}")
    engine = engine or default_engine()
    if claim.case_id is not None and claim.case_id != case.case_id:
        raise ClaimError("the claim is for another case",
                         [Problem("$.case_id", f"{claim.case_id!r}, but the case is {case.case_id!r}")])
    dos = claim.date_of_service
    pol = engine.policy_for(case, dos, policy)
    em = em_codes(pol)
    lines = claim.service_lines()
    # an unknown code is an input error; E/M and claim-only codes (supplies, imaging) have no gate
    gated = [i for i, ln in enumerate(lines) if ln.code not in em and engine.catalog.entry(ln.code).gated]
    decision, view = engine.decide_with_view(case, [lines[i] for i in gated], dos, policy=pol.key, coding=False)
    gates: list[CodeDecision | None] = [None] * len(lines)
    for i, gate in zip(gated, decision.codes, strict=True):
        gates[i] = gate
    uses = [g.use if g is not None else None for g in gates]
    ctx = ClaimContext(case, view, pol, dos, lines, uses, decision.pathway_state, claim.authorization_number,
                       engine.catalog)
    on = [e for e in pol.edits.values() if e.enabled and "claim" in e.stages()]
    found = run_edits(ctx, [e for e in on if e.kind not in FOLLOWING], CHECKS, "claim")
    ctx.outcomes = [_outcome(gates[i], found[i]) for i in range(len(lines))]
    for i, more in enumerate(run_edits(ctx, [e for e in on if e.kind in FOLLOWING], CHECKS, "claim")):
        found[i].extend(more)
    families = ["em" if ln.code in em else engine.catalog.entry(ln.code).family for ln in lines]
    results = []
    for i, ln in enumerate(lines):
        coding = [f for f in found[i] if f.kind not in RECONCILE_CHECKS]
        recon = [f for f in found[i] if f.kind in RECONCILE_CHECKS]
        results.append(_line(i, ln, families[i], gates[i], coding, recon))
    return ClaimResult(
        claim_id=claim.claim_id, case_id=case.case_id, policy_id=pol.id, policy_version=pol.version,
        policy_lineage=pol.lineage, date_of_service=dos, authorization_number=claim.authorization_number,
        pathway_state=decision.pathway_state, outcome=worst([r.outcome for r in results]), lines=results,
        edits_checked=[e.id for e in on], edits_switched_off=[e.id for e in pol.edits.values() if not e.enabled],
        engine_version=__version__,
    )


def _outcome(gate: CodeDecision | None, findings: list[Finding]) -> Outcome:
    return worst([Outcome(f.outcome) for f in findings] + ([gate.gate_outcome] if gate else []))


def _line(i: int, line: ServiceLine, family: str, gate: CodeDecision | None, edits: list[Finding],
          recon: list[Finding]) -> LineResult:
    todo = list(dict.fromkeys(f"{f.todo}: {f.message}" for f in edits + recon))
    if gate is not None and gate.gate_outcome is not Outcome.APPROVE:
        todo.append(("clinical review: " if gate.gate_outcome is Outcome.DENY else "medical necessity: ")
                    + (gate.reasons[0] if gate.reasons else gate.gate_outcome.value))
    return LineResult(
        line=i + 1, code=line.code, family=family, units=line.units, modifiers=list(line.modifiers),
        place_of_service=line.place_of_service, outcome=_outcome(gate, edits + recon),
        requires_clinical_review=gate is not None and gate.requires_clinical_review,
        gate=gate, edits=edits, reconciliation=recon, todo=todo,
    )
