"""Property: `decide` and `check-claim` never disagree on a rule they share.

For random requests (lines, units, places of service, contacts, regions, pockets) over the
example cases and cases built with the casebuilder, every finding of an edit of stage
``request`` on a line of `decide` appears identically on the same line of `check-claim` for
the same lines, and vice versa; the gates agree too. A finding is reported once per output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from casebuilder import D, Patient, trial_candidate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scs_workflow import Case, Engine, ServiceLine, load_case
from scs_workflow.claims import Claim, check_claim

ENGINE = Engine()


def _built() -> list[Case]:
    out = []
    for policy in ("medicare", "aetna", "cigna"):
        out.append(trial_candidate(policy).case())
        out.append(trial_candidate(policy).trial().case())
        out.append(trial_candidate(policy).trial(pain=(8, 7), mme=(60, 60)).case())
        out.append(trial_candidate(policy).trial().implanted(D(2026, 4, 6)).programmed(D(2026, 5, 20)).case())
    p = trial_candidate().trial().implanted(D(2026, 4, 6), approach="paddle")
    out.append(p.event("generator_status", D(2026, 5, 1), status="end_of_life", therapy_effective=True).case())
    twice = trial_candidate()
    twice.trial(start=D(2025, 3, 2), leads=2, region="thoracic", technical_failure=True)
    out.append(twice.trial(start=D(2025, 9, 1), leads=1, region="thoracic", technical_failure=True).case())
    out.append(Patient().fbss().event("existing_system", D(2019, 9, 1)).case())
    return out


CASES: list[Case] = [load_case(p) for p in sorted(Path("examples").glob("*.json"))] + _built()
CODES = ["63650", "63650:trial", "63650:permanent", "63655", "63661", "63662", "63663", "63664", "63685",
         "63688", "95970", "95971", "95972", "0784T", "0785T"]
DAYS = [D(2026, 1, 15), D(2026, 3, 2), D(2026, 4, 1), D(2026, 4, 6), D(2026, 5, 10), D(2026, 6, 15),
        D(2026, 9, 1)]


@st.composite
def request_lines(draw: Any) -> list[ServiceLine]:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        code, _, use = draw(st.sampled_from(CODES)).partition(":")
        facts: dict[str, Any] = {
            "code": code, "units": draw(st.integers(1, 3)),
            "place_of_service": draw(st.sampled_from(["office", "asc", "hopd", "inpatient"])),
        }
        if use:
            facts["use"] = use
        for name, values in (("contacts", [8, 16, 17]), ("region", ["thoracic", "cervical"]),
                             ("pocket", ["left", "right"]), ("session", ["a", "b"])):
            value = draw(st.sampled_from([None, *values]))
            if value is not None:
                facts[name] = value
        lines.append(ServiceLine(**facts))
    return lines


def _request_stage(policy_key: str) -> set[str]:
    pol = ENGINE.library.get(policy_key)
    return {e.id for e in pol.edits.values() if e.enabled and "request" in e.stages()}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(CASES))), request_lines(), st.sampled_from(DAYS))
def test_decide_and_check_claim_never_disagree_on_a_rule_they_share(which: int, lines: list[ServiceLine],
                                                                    day: dt.date) -> None:
    case = CASES[which]
    decision = ENGINE.decide(case, lines, day)
    claimed = check_claim(case, Claim(date_of_service=day, lines=lines), ENGINE)
    shared = _request_stage(f"{decision.policy_id}@{decision.policy_version}")
    assert decision.pathway_state == claimed.pathway_state
    for d, c in zip(decision.codes, claimed.lines, strict=True):
        assert c.gate is not None
        assert (c.gate.use, c.gate.outcome, c.gate.criteria) == (d.use, d.gate_outcome, d.criteria)
        on_claim = [f for f in c.edits + c.reconciliation if f.edit in shared]
        assert d.coding == on_claim  # the same findings, in the same order, with the same words
        assert all(f.edit in shared for f in d.coding)
        # reported once: the gate carries no coding finding on the claim, and no edit fires twice on a line
        assert c.gate.coding == []
        ids = [f.edit for f in c.edits + c.reconciliation]
        assert len(ids) == len(set(ids)) and len(edits := [f.edit for f in d.coding]) == len(set(edits))
        assert d.requires_clinical_review == (d.gate_outcome.value == "deny") == c.requires_clinical_review
        if d.outcome.value == "pend":  # unknown is pend, and says what to send
            assert d.missing_documents or d.unlock
