"""No approval while any applicable criterion is not met or unknown: checked on random cases.

The engine's answer is re-derived here from the policy itself, not from the decision's own
account: every criterion whose ``applies_to`` names the code (or the code and the use the
decision chose) is judged again on the same facts, and an approval stands only when each of
them is met or does not apply, the decision lists each of them, and no coding edit of the
request stands against the line. A pend always names what to send.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from casebuilder import D, trial_candidate
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_properties import events

from scs_workflow import CaseError, Engine, ServiceLine, parse_case
from scs_workflow.model.facts import CaseView, Facts

ENGINE = Engine()
LINES = ["63650:trial", "63650:repeat_trial", "63650:permanent", "63650", "63655", "63661", "63662", "63663",
         "63664", "63685", "63688", "95970", "95971", "95972", "0784T", "0785T"]
OK = {"met", "not_applicable"}


@st.composite
def lines(draw: Any) -> list[ServiceLine]:
    out = []
    for text in draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=3)):
        code, _, use = text.partition(":")
        out.append(ServiceLine(
            code=code, use=use or None, units=draw(st.integers(1, 3)),
            place_of_service=draw(st.sampled_from([None, "office", "asc", "hopd"])),
            contacts=draw(st.sampled_from([None, 8, 16, 24])),
            region=draw(st.sampled_from([None, "thoracic", "cervical"])),
            waveform=draw(st.sampled_from([None, "tonic", "high_frequency", "burst"]))))
    return out


def applicable(policy: Any, code: str, use: str | None) -> list[str]:
    """The ids of the policy's criteria that gate *code* (or *code*:*use*), read from the YAML itself."""
    refs = {code} | ({f"{code}:{use}"} if use else set())
    return [cid for cid, c in policy.criteria.items() if refs & set(c.applies_to)]


def check(case: Any, asked: list[ServiceLine], on: dt.date) -> None:
    decision = ENGINE.decide(case, asked, on)
    policy = ENGINE.library.get(decision.policy_id, version=decision.policy_version)
    compiled = ENGINE.compiled(policy)
    facts = Facts(CaseView(case), on, history_only=True, requested=asked)
    replay = compiled.pathway.replay(CaseView(case), on, facts=facts)
    for line, d in zip(asked, decision.codes, strict=True):
        if d.outcome.value == "pend":
            assert d.missing_documents or d.unlock, d
        if d.outcome.value != "approve":
            continue
        assert d.pathway_state in d.allowed_states
        assert all(f.outcome not in ("deny", "pend") for f in d.coding), d.coding
        listed = {c.id: c.status.value for c in d.criteria}
        for cid in applicable(policy, line.code, d.use):
            again = compiled.judges[cid](replay.facts.for_line(line)).status.value
            assert again in OK, (line.code, d.use, cid, again)
            assert listed.get(cid) in OK, (line.code, d.use, cid, listed.get(cid))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), max_size=25), st.sampled_from(["medicare", "aetna", "cigna"]), lines(),
       st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
       st.lists(st.sampled_from(["M96.1", "G90.521", "M54.16", "E11.42", "B02.22", "G90.5"]), max_size=2))
def test_no_false_approval_on_any_generated_case(evs, policy, asked, on, dx):
    data = {"case_id": "h", "patient_ref": "SYN-H", "policy": policy,
            "diagnoses": [{"code": c, "onset": "2022-01-01"} for c in dx], "events": evs}
    try:
        case = parse_case(data)
    except CaseError:
        assume(False)
        return
    check(case, asked, on)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["medicare", "aetna", "cigna"]), st.integers(0, 3), lines(),
       st.dates(dt.date(2026, 3, 1), dt.date(2026, 9, 30)), st.sampled_from([(8, 4), (8, 4.1), (8, 2)]),
       st.sampled_from([(60, 30), (60, 31), None]))
def test_no_false_approval_on_cases_near_the_thresholds(policy, stage, asked, on, pain, mme):
    """Well-documented candidates at each stage, where an approval is likely: the check bites there."""
    p = trial_candidate(policy)
    if stage >= 1:
        p.trial(pain=pain, mme=mme)  # 50 % relief exactly, just under, or well over
    if stage >= 2:
        p.implanted(D(2026, 4, 6))
    if stage >= 3:
        p.programmed(D(2026, 5, 20))
    check(p.case(), asked, on)
