"""Properties that hold for any case: bad input is refused cleanly, decisions keep their invariants."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scs_workflow import CaseError, Engine, RequestError, ServiceLine, parse_case

ENGINE = Engine()
CODES = ["63650", "63650:permanent", "63655", "63661", "63662", "63663", "63664", "63685", "63688",
         "95970", "95971", "95972", "0784T", "0785T", "0786T"]
days = st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31))


def _iso(d: dt.date) -> str:
    return d.isoformat()


@st.composite
def events(draw: Any) -> dict[str, Any]:
    day = draw(days)
    kind = draw(st.sampled_from([
        "conservative_therapy", "psych_eval", "physical_exam", "imaging", "odi", "pain_score", "substance_use",
        "cardiac_device", "attestation", "trial_placement", "trial_outcome", "lead_implant", "generator_implant",
        "integrated_implant", "programming", "generator_status", "generator_replacement", "lead_revision",
        "lead_removal", "generator_removal", "explant", "existing_system", "correction"]))
    ev: dict[str, Any] = {"type": kind, "date": _iso(day)}
    at = dt.datetime.combine(day, dt.time(8))
    ev.update({
        "conservative_therapy": lambda: {"kind": draw(st.sampled_from(["physical_therapy", "medication"])),
                                         "start": _iso(day - dt.timedelta(days=draw(st.integers(0, 400)))),
                                         "end": _iso(day), "physician_supervised": draw(st.booleans()),
                                         "outcome": draw(st.sampled_from(["failed", "improved", "ongoing"]))},
        "psych_eval": lambda: {"evaluator_role": "psychologist", "cleared": draw(st.booleans())},
        "physical_exam": dict, "imaging": lambda: {"modality": "mri"},
        "odi": lambda: {"score": draw(st.integers(0, 100))},
        "pain_score": lambda: {"score": draw(st.integers(0, 10))},
        "substance_use": lambda: {"status": draw(st.sampled_from(["none", "active"]))},
        "cardiac_device": lambda: {"devices": draw(st.sampled_from([[], ["icd"]]))},
        "attestation": lambda: {"kind": draw(st.sampled_from(["late_resort", "facility_capability",
                                                              "education_risks_benefits", "behavioral_health",
                                                              "extenuating_circumstances"]))},
        "trial_placement": lambda: {"started_at": at.isoformat(), "leads": draw(st.integers(1, 3)),
                                    "region": "thoracic"},
        "trial_outcome": lambda: {"ended_at": (at + dt.timedelta(hours=draw(st.integers(-8, 15)))).isoformat(),
                                  "baseline_pain": draw(st.integers(0, 10)), "trial_pain": draw(st.integers(0, 10)),
                                  "technical_failure": draw(st.booleans())},
        "lead_implant": lambda: {"approach": draw(st.sampled_from(["percutaneous", "paddle"])), "leads": 2},
        "generator_implant": dict, "integrated_implant": lambda: {"leads": 1},
        "programming": lambda: {"parameters_changed": draw(st.integers(0, 6))},
        "generator_status": lambda: {"status": draw(st.sampled_from(["working", "end_of_life"])),
                                     "therapy_effective": draw(st.booleans())},
        "generator_replacement": lambda: {"reason": "end_of_life"},
        "lead_revision": lambda: {"approach": "percutaneous", "reason": "migration"},
        "lead_removal": lambda: {"approach": "percutaneous", "reason": "infection"},
        "generator_removal": lambda: {"reason": "infection"}, "explant": lambda: {"reason": "infection"},
        "existing_system": dict,
        "correction": lambda: {"corrects": f"ev-{draw(st.integers(1, 25))}", "retracted": True,
                               "by": "reviewer", "reason": "entered in error"},
    }[kind]())
    return ev


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), max_size=25), st.sampled_from(["medicare", "aetna", "cigna"]),
       st.sampled_from(CODES), days)
def test_any_case_gets_a_decision_that_keeps_its_invariants(evs, policy, code, on):
    data = {"case_id": "h", "patient_ref": "SYN-H", "policy": policy,
            "diagnoses": [{"code": "M96.1", "onset": "2022-01-01"}], "events": evs}
    try:
        case = parse_case(data)
    except CaseError as err:  # e.g. a trial outcome before its placement: refused with a path
        assert err.problems and all(p.where.startswith("$") for p in err.problems)
        return
    decision = ENGINE.decide(case, [code], on)
    d = decision.codes[0]
    # facts never read an event the pathway rejected (a held event is not rejected)
    rejected = {h.event_id for h in decision.history
                if not h.applied and not h.reason.startswith("awaiting documentation")}
    assert not rejected & {e for c in d.criteria for item in c.evidence for e in item.events}
    assert d.requires_clinical_review == (d.gate_outcome.value == "deny")  # never for a coding refusal
    if d.outcome.value == "approve":
        assert d.pathway_state in d.allowed_states
        assert all(c.status.value in ("met", "not_applicable") for c in d.criteria)
        assert d.reasons == [] and d.unlock == [] and d.coding == []
    else:
        assert (d.reasons or d.coding) and all(r.endswith("]") for r in d.reasons)
    if d.outcome.value == "pend":
        assert d.missing_documents or d.unlock
    again = ENGINE.decide(case, [code], on).codes[0]
    assert again == d


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=20))
def test_any_json_is_a_case_or_a_located_error(data):
    try:
        parse_case(data)
    except CaseError as err:  # every refusal says where: a JSON path into the input
        assert err.problems and all(p.where.startswith("$") for p in err.problems)


@given(st.text(max_size=20))
def test_code_notation_parses_or_is_refused(text):
    try:
        line = ServiceLine.parse(text)
    except RequestError:
        return
    assert line.units >= 1 and len(line.code) == 5
