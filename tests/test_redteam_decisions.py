"""Red-team probes of issue 8: realistic requests tried from the outside, one test per defect found.

Each test names the request and what the policy says; every test here failed on the merged main
(c42969d) before its fix.
"""

from __future__ import annotations

import datetime as dt

import pytest
from casebuilder import TRIAL_DAY, D, Patient, trial_candidate

from scs_workflow import Engine, ServiceLine

PACKS = ["medicare", "aetna", "cigna"]


def placed_without_outcome(policy: str) -> Patient:
    """A screened candidate whose trial leads were placed on TRIAL_DAY; no trial outcome on file yet."""
    return trial_candidate(policy).event(
        "trial_placement", TRIAL_DAY, started_at=dt.datetime.combine(TRIAL_DAY, dt.time(8)), leads=2,
        contacts=16, region="thoracic", setting="asc")


@pytest.mark.parametrize("policy", PACKS)
@pytest.mark.parametrize("request_line", ["63650x2:permanent", "63685"])
def test_unknown_pends_permanent_implant_while_the_trial_outcome_is_not_on_file(
        engine: Engine, policy: str, request_line: str) -> None:
    """The trial was placed a month ago and its outcome was never filed: the only thing between the
    case and an approvable permanent implant is the trial outcome record, so the request pends for it
    (README: pend when "only documentation stands between the case and an allowed state"); it is not
    a denial sent to clinical review."""
    case = placed_without_outcome(policy).case()
    line = ServiceLine.parse(request_line, place_of_service="asc", waveform="tonic")
    code = engine.decide(case, [line], D(2026, 4, 1)).codes[0]
    assert code.outcome == "pend"
    assert not code.requires_clinical_review
    assert any("trial outcome" in doc for doc in code.missing_documents)


@pytest.mark.parametrize("policy", PACKS)
def test_no_false_approval_permanent_implant_after_the_trial_outcome_is_retracted(
        engine: Engine, policy: str) -> None:
    """A trial outcome entered in error and retracted leaves no judged trial: never an approval."""
    p = trial_candidate(policy).trial(pain=(8, 2))
    outcome = next(e["id"] for e in p.data["events"] if e["type"] == "trial_outcome")
    p.event("correction", D(2026, 3, 20), corrects=outcome, retracted=True, by="nurse-reviewer",
            reason="entered on the wrong patient")
    line = ServiceLine.parse("63650x2:permanent", place_of_service="asc", waveform="tonic")
    code = engine.decide(p.case(), [line], D(2026, 4, 1)).codes[0]
    assert code.outcome == "pend"
    assert any("trial outcome" in doc for doc in code.missing_documents)


def test_unknown_pends_aetna_physical_therapy_that_does_not_say_it_was_in_person(engine: Engine) -> None:
    """CPB 0194 (as summarised) asks for >= 6 weeks of *in-person* PT in the past year. A PT record
    that does not say whether it was in person or remote is not evidence of in-person PT: the
    criterion pends for it instead of assuming it (the case model used to default in_person to true)."""
    p = Patient("aetna").fbss()
    p.therapy("medication", D(2025, 3, 1), D(2025, 12, 31))
    p.therapy("psychological_therapy", D(2025, 3, 1), D(2025, 12, 31))
    p.therapy("physical_therapy", D(2025, 6, 1), D(2025, 12, 31), weeks=12)  # in person? not stated
    code = engine.decide(p.screened().case(), [ServiceLine.parse("63650x2")], TRIAL_DAY).codes[0]
    crit = next(c for c in code.criteria if c.id == "in_person_physical_therapy")
    assert crit.status == "insufficient"
    assert code.outcome == "pend"
    stated = Patient("aetna").fbss()
    stated.therapy("medication", D(2025, 3, 1), D(2025, 12, 31))
    stated.therapy("physical_therapy", D(2025, 6, 1), D(2025, 12, 31), weeks=12, in_person=True)
    code = engine.decide(stated.screened().case(), [ServiceLine.parse("63650x2")], TRIAL_DAY).codes[0]
    assert next(c for c in code.criteria if c.id == "in_person_physical_therapy").status == "met"


def test_no_false_approval_opd_utn_past_120_days_with_a_later_valid_to_on_record(engine: Engine) -> None:
    """The Medicare OPD decision (UTN) is valid 120 days from the decision (day 0 .. day 120). An
    authorization entered with a later `valid_to` does not extend the program's validity: a trial in
    the HOPD on day 121 is refused for a new decision, exactly as when no end date was recorded."""
    from scs_workflow.claims import check_claim, parse_claim

    decided = D(2025, 11, 2)

    def claim_on(day: dt.date, valid_to: dt.date | None) -> str:
        p = trial_candidate()
        auth: dict[str, object] = {"number": "A1B2C3D4E5F6G7", "program": "medicare_opd",
                                   "services": [{"code": "63650", "units": 2}], "valid_from": decided,
                                   "setting": "hopd"}
        if valid_to is not None:
            auth["valid_to"] = valid_to
        p.event("authorization", decided, **auth)
        claim = parse_claim({"claim_id": "C1", "case_id": "t-1", "date_of_service": day.isoformat(),
                             "place_of_service": "hopd", "authorization_number": "A1B2C3D4E5F6G7",
                             "lines": [{"code": "63650", "use": "trial", "units": 2, "contacts": 16,
                                        "region": "thoracic", "diagnosis": "M96.1"}]})
        line = check_claim(p.case(), claim, engine).lines[0]
        assert "opd_utn_validity" in {f.edit for f in line.reconciliation} or line.outcome == "approve"
        return str(line.outcome.value)

    day_120, day_121 = decided + dt.timedelta(days=120), decided + dt.timedelta(days=121)
    assert claim_on(day_120, None) == "approve"
    assert claim_on(day_121, None) == "deny"
    assert claim_on(day_120, D(2026, 6, 1)) == "approve"
    assert claim_on(day_121, D(2026, 6, 1)) == "deny"


def _untracked(p: Patient, kind: str, on: dt.date, **fields: object) -> Patient:
    return p.event("prior_procedure", on, kind=kind, **fields)


def test_unknown_pends_paddle_limit_when_a_prior_implant_does_not_say_its_approach() -> None:
    """A56876: one permanent paddle (63655) per lifetime. A prior SCS implant whose lead approach is
    not recorded may have been a paddle: the limit cannot be judged, so 63655 pends for the approach
    (a recorded percutaneous one leaves the limit free, a recorded paddle refuses it)."""
    engine = Engine()
    line = ServiceLine.parse("63655", place_of_service="asc")

    def coding(approach: str | None) -> tuple[str, list[tuple[str, str]]]:
        p = trial_candidate().trial(pain=(8, 2))
        _untracked(p, "scs_implant", D(2019, 5, 1), **({"approach": approach} if approach else {}))
        code = engine.decide(p.case(), [line], D(2026, 4, 1)).codes[0]
        return code.outcome.value, [(f.edit, f.outcome) for f in code.coding]

    assert coding(None) == ("pend", [("paddle_once_per_lifetime", "pend")])
    assert coding("percutaneous") == ("approve", [])
    assert coding("paddle")[0] == "deny"


@pytest.mark.parametrize("prior_trials", [1, 2])
def test_unknown_pends_trial_limits_when_trials_before_tracking_are_on_record(prior_trials: int) -> None:
    """A56876: at most 2 trials per anatomic region and 4 units of 63650 for trials per lifetime.
    Trials done before the case was tracked (prior_procedure scs_trial) count toward both; their
    region and leads are not recorded, so a new 2-lead trial pends for them instead of approving as
    if the patient had never had a trial."""
    p = trial_candidate()
    for n in range(prior_trials):
        _untracked(p, "scs_trial", D(2023, 1 + 6 * n, 10))
    line = ServiceLine.parse("63650x2", region="thoracic", place_of_service="asc")
    code = Engine().decide(p.case(), [line], D(2026, 3, 2)).codes[0]
    assert code.outcome == "pend"
    assert "trial_units_lifetime" in {f.edit for f in code.coding if f.outcome == "pend"}
    if prior_trials == 2:
        assert "trials_per_region" in {f.edit for f in code.coding if f.outcome == "pend"}


def test_no_false_approval_aetna_neuropathic_pain_months_counted_from_an_unrelated_older_diagnosis(
        engine: Engine) -> None:
    """CPB 0194: chronic neuropathic pain of >= 5/10 for >= 12 months. Diabetic polyneuropathy (E11.42)
    diagnosed with onset 2025-12-01 is 3 months old on 2026-03-02; a low-back-pain code (M54.50, not an
    indication) with onset 2020 does not make the neuropathic pain 12 months old."""
    p = Patient("aetna").diagnosis("M54.50", D(2020, 1, 1)).diagnosis("E11.42", D(2025, 12, 1))
    case = p.conservative_care().screened(pain=8).case()
    code = engine.decide(case, [ServiceLine.parse("63650x2")], TRIAL_DAY).codes[0]
    assert code.outcome != "approve"
    crit = next(c for c in code.criteria if c.id == "neuropathic_pain_severity")
    assert crit.status == "not_met"
    # both sides of 12 months, counted from the neuropathic diagnosis's own onset
    for onset, status in ((D(2025, 3, 2), "met"), (D(2025, 3, 3), "not_met")):
        p = Patient("aetna").diagnosis("M54.50", D(2020, 1, 1)).diagnosis("E11.42", onset)
        code = engine.decide(p.conservative_care().screened(pain=8).case(), [ServiceLine.parse("63650x2")],
                             TRIAL_DAY).codes[0]
        assert next(c for c in code.criteria if c.id == "neuropathic_pain_severity").status == status
