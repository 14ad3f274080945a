"""One case under the three packs shows their documented differences."""

from __future__ import annotations

import datetime as dt

import pytest

from scs_workflow import ServiceLine, load_case

SPLIT = load_case("examples/split-decision.json")  # 40 % less pain, analgesics halved
DOS = dt.date(2026, 5, 1)


@pytest.mark.parametrize(("policy", "outcome", "state"), [
    ("medicare", "approve", "trial_succeeded"),  # OR rule: halved analgesics qualify
    ("aetna", "deny", "trial_failed"),  # pain only
    ("cigna", "deny", "trial_failed"),  # pain only
])
def test_forty_percent_less_pain_with_analgesics_halved(engine, policy, outcome, state):
    decision = engine.decide(SPLIT, [ServiceLine(code="63650", units=2, use="permanent", place_of_service="asc")], DOS,
                               policy=policy)
    d = decision.codes[0]
    assert (decision.policy_id, d.outcome.value, d.pathway_state) == (policy, outcome, state)
    relief = next(c for c in d.criteria if c.id == "trial_relief")
    assert relief.status.value == ("met" if outcome == "approve" else "not_met")
    if outcome == "deny":
        assert d.requires_clinical_review and any("trial_relief not_met" in r for r in d.reasons)


def test_each_pack_cites_its_own_policy(engine):
    cites = {}
    for policy in ("medicare", "aetna", "cigna"):
        d = engine.decide(SPLIT, [ServiceLine(code="63650", use="permanent")], DOS, policy=policy).codes[0]
        cites[policy] = next(c.citation for c in d.criteria if c.id == "trial_relief")
    assert "checklists" in cites["medicare"] and "CPB 0194" in cites["aetna"] and "CMM-211" in cites["cigna"]
