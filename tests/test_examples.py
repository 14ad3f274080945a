"""The shipped synthetic examples decide the way the README says."""

from __future__ import annotations

import datetime as dt

import pytest

from scs_workflow import ServiceLine, load_case

D = dt.date


# a permanent implant (63650:permanent, 63655, 63685, 0784T) is paid only in an ASC or a hospital
# under Medicare (L37632): its request states the place of service, or it pends for it
@pytest.mark.parametrize(("example", "codes", "on", "state", "outcomes"), [
    ("clbp-to-trial", ["63650x2"], D(2026, 2, 10), "candidate", ["approve"]),
    ("fbss-strong-trial", ["63650x2:permanent@asc", "63685@asc"], D(2026, 6, 15), "trial_succeeded",
     ["approve", "approve"]),
    ("fbss-strong-trial", ["63650x2:permanent", "63685"], D(2026, 6, 15), "trial_succeeded", ["pend", "pend"]),
    ("crps-candidate", ["63650"], D(2026, 1, 15), "candidate", ["pend"]),
    ("failed-trial", ["63650x2:permanent"], D(2026, 4, 1), "trial_failed", ["deny"]),
    ("failed-trial", ["63650"], D(2026, 4, 1), "trial_failed", ["pend"]),
    ("programming-visit", ["95972"], D(2026, 6, 15), "in_follow_up", ["approve"]),
    ("programming-visit", ["95972"], D(2026, 6, 9), "in_follow_up", ["deny"]),
    ("battery-replacement", ["63685@asc"], D(2026, 6, 15), "in_follow_up", ["approve"]),
    ("split-decision", ["63650:permanent@asc"], D(2026, 5, 1), "trial_succeeded", ["approve"]),
])
def test_example(engine, example, codes, on, state, outcomes):
    lines = [ServiceLine.parse(c.split("@")[0], place_of_service=c.split("@")[1]) if "@" in c else c
             for c in codes]
    decision = engine.decide(load_case(f"examples/{example}.json"), lines, on)
    assert decision.pathway_state == state
    assert [c.outcome.value for c in decision.codes] == outcomes


def test_every_non_approval_names_a_criterion_or_state_and_its_citation(engine):
    """Across all examples and all codes: no 'TODO: unknown' reasons."""
    from pathlib import Path

    codes = ["63650", "63650:permanent", "63655", "63661", "63662", "63663", "63664", "63685", "63688",
             "95970", "95971", "95972", "0784T", "0785T", "0786T", "0787T"]
    seen = 0
    for path in sorted(Path("examples").glob("*.json")):
        case = load_case(path)
        for on in (D(2026, 1, 15), D(2026, 6, 15)):
            for code in codes:
                d = engine.decide(case, [code], on).codes[0]
                if d.outcome.value == "approve":
                    continue
                seen += 1
                assert d.reasons or d.coding, (path.name, code)
                assert all("[" in r and r.rstrip().endswith("]") for r in d.reasons), d.reasons
                assert all(f.citation for f in d.coding)
                assert d.requires_clinical_review == (d.gate_outcome.value == "deny")
                if d.outcome.value == "pend":
                    assert d.missing_documents, (path.name, code)
    assert seen > 50


def test_outcomes_agree_with_decide_on_every_example_and_code(engine):
    """The batch fast path judges exactly as decide does; it only skips the explanation."""
    from pathlib import Path

    codes = ["63650", "63650x3:permanent", "63655", "63661", "63685", "63688", "95970", "95972", "0784T", "0786T"]
    for path in sorted(Path("examples").glob("*.json")):
        case = load_case(path)
        for on in (D(2026, 1, 15), D(2026, 4, 1), D(2026, 6, 15)):
            full = engine.decide(case, codes, on)
            fast = engine.outcomes(case, codes, on)
            assert fast.state == full.pathway_state and fast.policy == f"{full.policy_id}@{full.policy_version}"
            assert fast.codes == [(c.code, c.outcome, [r.id for r in c.criteria
                                                       if r.status.value in ("not_met", "insufficient")]
                                   + [f.edit for f in c.coding])
                                  for c in full.codes]
