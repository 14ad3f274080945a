"""Criteria say exactly what the policy says (issue 8 §4): exact ICD-10 codes, the four
modalities of NCD 160.7 (b), a documented reason to revise or remove a system, the stimulation
modes eviCore covers, in-person physical therapy and the level of programming."""

from __future__ import annotations

import datetime as dt

import pytest
from casebuilder import DOS, TRIAL_DAY, D, Patient, trial_candidate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scs_workflow import CaseError, PolicyLibrary, ServiceLine
from scs_workflow.policy import default_workflows_dir

_PACKS = PolicyLibrary.from_dir(default_workflows_dir())


def status_of(decision, criterion: str) -> str:  # type: ignore[no-untyped-def]
    return next(c.status.value for c in decision.criteria if c.id == criterion)


# --- ICD-10 indications: billable codes, matched exactly ----------------------------------


def with_dx(code: str, policy: str = "medicare") -> Patient:
    return Patient(policy).diagnosis(code, D(2023, 1, 1)).conservative_care().screened()


def test_no_false_approval_b02_22_trigeminal_phn(decide_one):
    """Post-herpetic trigeminal neuralgia is not a spinal indication; post-herpetic polyneuropathy is."""
    trigeminal = decide_one(with_dx("B02.22").case(), "63650", TRIAL_DAY)
    assert trigeminal.outcome.value == "deny"
    assert status_of(trigeminal, "chronic_intractable_pain_dx") == "not_met"
    assert decide_one(with_dx("B02.23").case(), "63650", TRIAL_DAY).outcome.value == "approve"


@pytest.mark.parametrize("header", ["G90.5", "G90.52", "G56.4", "G57.7", "M54.1", "M51.1", "M50.12", "E11.4"])
def test_no_false_approval_header_code(decide_one, header):
    """A category header is not a billable diagnosis: it never stands for the codes under it."""
    d = decide_one(with_dx(header).case(), "63650", TRIAL_DAY)
    assert d.outcome.value != "approve"
    assert status_of(d, "chronic_intractable_pain_dx") == "not_met"


@pytest.mark.parametrize("billable", ["G90.50", "G90.521", "G56.41", "G57.72", "M54.16", "M51.16", "M50.121",
                                      "E11.42", "G03.9", "G54.6", "G54.1"])
def test_billable_indication_codes_are_met(decide_one, billable):
    assert decide_one(with_dx(billable).case(), "63650", TRIAL_DAY).outcome.value == "approve"


def _near_codes() -> st.SearchStrategy[tuple[str, str]]:
    """(pack, code): listed codes, their headers and their neighbours (one character more, less or changed)."""
    listed = sorted({(pid, c) for pid in ("medicare", "aetna", "cigna")
                     for c in _PACKS.get(pid).parameters["indication_dx_codes"]})

    def vary(pair: tuple[str, str], how: int, ch: str) -> tuple[str, str]:
        pid, code = pair
        return pid, [code, code[:-1], code + ch, code[:-1] + ch][how]

    alphabet = st.sampled_from("0123456789X")
    return st.builds(vary, st.sampled_from(listed), st.integers(0, 3), alphabet)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_near_codes())
def test_no_false_approval_a_code_is_an_indication_only_if_the_pack_lists_it(decide_one, pair):
    pid, code = pair
    if code.endswith(".") or not code[-1].isalnum():
        return
    try:
        case = with_dx(code, pid).case()
    except CaseError:
        return  # not even an ICD-10-CM shape
    d = decide_one(case, ServiceLine.parse("63650", waveform="tonic"), TRIAL_DAY)
    listed = code in _PACKS.get(pid).parameters["indication_dx_codes"]
    assert status_of(d, "chronic_intractable_pain_dx") == ("met" if listed else "not_met"), (pid, code)


@pytest.mark.parametrize(("code", "met"), [("E11.42", True), ("E10.42", True), ("E11.40", False),
                                           ("E11.41", False), ("E11.43", False), ("E11.49", False)])
def test_no_false_approval_diabetic_neuropathy_is_polyneuropathy_only(decide_one, code, met):
    d = decide_one(with_dx(code).case(), "63650", TRIAL_DAY)
    assert status_of(d, "chronic_intractable_pain_dx") == ("met" if met else "not_met")


def test_no_false_approval_aetna_radiculopathy_without_surgery_is_not_fbss(decide_one):
    """CPB 0194 covers FBSS with radicular pain (M96.1), not radiculopathy alone."""
    radiculopathy = decide_one(with_dx("M54.16", "aetna").case(), "63650", TRIAL_DAY)
    assert status_of(radiculopathy, "chronic_intractable_pain_dx") == "not_met"
    fbss = decide_one(with_dx("M96.1", "aetna").case(), "63650", TRIAL_DAY)
    assert status_of(fbss, "chronic_intractable_pain_dx") == "met"


def test_no_false_approval_cigna_crps_of_no_stated_limb(decide_one):
    """CMM-211 covers extremity CRPS: G90.50 (site unspecified) does not show a limb; G90.521 does."""
    unspecified = decide_one(with_dx("G90.50", "cigna").case(), "63650", TRIAL_DAY)
    assert status_of(unspecified, "chronic_intractable_pain_dx") == "not_met"
    leg = decide_one(with_dx("G90.521", "cigna").case(), "63650", TRIAL_DAY)
    assert status_of(leg, "chronic_intractable_pain_dx") == "met"


# --- NCD 160.7 (b): each of the four modalities addressed -----------------------------------


def medicare_with_care(*records: tuple[str, str]) -> Patient:
    """A screened FBSS patient whose conservative care is *records*: (kind, outcome) pairs."""
    p = Patient().fbss()
    for kind, outcome in records:
        judged = outcome in ("unsuitable", "contraindicated")
        extra = {"reason": "documented by the treating physician"} if judged else {}
        p.therapy(kind, D(2025, 3, 1), D(2025, 12, 31), outcome=outcome, **extra)
    return p.screened()


def test_no_false_approval_one_failed_medication_is_not_ncd_b(decide_one):
    d = decide_one(medicare_with_care(("medication", "failed")).case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "pend" and d.pathway_state == "intake"
    assert status_of(d, "conservative_care") == "insufficient"
    assert any("psychological" in doc for doc in d.missing_documents)


def test_unknown_pends_a_modality_not_addressed(decide_one):
    """Three of the four documented: the fourth is missing documentation, not a denial."""
    three = medicare_with_care(("medication", "failed"), ("physical_therapy", "failed"),
                               ("psychological_therapy", "partial_relief"))
    d = decide_one(three.case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "pend" and not d.requires_clinical_review
    four = medicare_with_care(("medication", "failed"), ("physical_therapy", "failed"),
                              ("psychological_therapy", "partial_relief"), ("spine_surgery", "failed"))
    assert decide_one(four.case(), "63650", TRIAL_DAY).outcome.value == "approve"


def test_ncd_b_unsuitable_modality_counts(decide_one):
    """'Judged unsuitable or contraindicated for the patient' addresses a modality as well as a failed trial of it."""
    p = medicare_with_care(("medication", "failed"), ("physical_therapy", "failed"),
                           ("psychological_therapy", "unsuitable"), ("spine_surgery", "contraindicated"))
    assert decide_one(p.case(), "63650", TRIAL_DAY).outcome.value == "approve"


def test_ncd_b_improved_or_ongoing_therapy_does_not_address_a_modality(decide_one):
    p = medicare_with_care(("medication", "failed"), ("physical_therapy", "improved"),
                           ("psychological_therapy", "ongoing"), ("spine_surgery", "unsuitable"))
    assert decide_one(p.case(), "63650", TRIAL_DAY).outcome.value != "approve"


def test_a_modality_judged_unsuitable_needs_its_reason():
    p = Patient().fbss().therapy("spine_surgery", D(2025, 3, 1), D(2025, 3, 1), outcome="unsuitable")
    with pytest.raises(CaseError, match="reason"):
        p.case()


def test_prior_spine_surgery_addresses_the_surgical_modality(decide_one):
    p = medicare_with_care(("medication", "failed"), ("physical_therapy", "failed"),
                           ("psychological_therapy", "failed"))
    assert decide_one(p.case(), "63650", TRIAL_DAY).outcome.value == "pend"
    p.event("prior_procedure", D(2023, 1, 10), kind="spine_surgery")
    assert decide_one(p.case(), "63650", TRIAL_DAY).outcome.value == "approve"


# --- revision, removal and replacement need a documented indication --------------------------

AFTER = D(2026, 6, 1)


def implanted() -> Patient:
    return trial_candidate().trial().implanted(on=D(2026, 4, 6))


def integrated() -> Patient:
    p = trial_candidate().trial()
    return p.event("integrated_implant", D(2026, 4, 6), leads=1, contacts=8, location="T8",
                   impedance_ohms=[600], postoperative_plan=True, waveform="tonic", setting="asc")


def test_unknown_pends_revision_without_indication(decide_one):
    d = decide_one(implanted().case(), "63663", AFTER)
    assert d.outcome.value == "pend"
    assert "documentation of why the system is revised, removed or replaced" in d.missing_documents
    migrated = implanted().event("complication", D(2026, 5, 20), kind="lead_migration")
    assert decide_one(migrated.case(), "63663", AFTER).outcome.value == "approve"


@pytest.mark.parametrize("code", ["63661", "63663", "63688"])
def test_unknown_pends_every_revision_or_removal_code_without_indication(decide_one, code):
    assert decide_one(implanted().case(), code, AFTER).outcome.value == "pend"


def test_no_false_approval_generator_replacement_on_working_system(decide_one):
    working = implanted().event("generator_status", D(2026, 5, 20), status="working", therapy_effective=True)
    for code in ("63688", "63685:replacement"):
        assert decide_one(working.case(), code, AFTER).outcome.value != "approve", code
    working_integrated = integrated().event("generator_status", D(2026, 5, 20), status="working",
                                            therapy_effective=True)
    for code in ("0785T", "0784T:replacement"):
        assert decide_one(working_integrated.case(), code, AFTER).outcome.value != "approve", code


def test_generator_at_end_of_life_is_an_indication(decide_one):
    worn = implanted().event("generator_status", D(2026, 5, 20), status="end_of_life", therapy_effective=True)
    assert decide_one(worn.case(), "63685:replacement", AFTER).outcome.value == "approve"


@pytest.mark.parametrize(("evidence", "fields"), [
    ("complication", {"kind": "infection"}),
    ("generator_status", {"status": "working", "therapy_effective": False}),  # loss of effect
    ("attestation", {"kind": "patient_requests_removal"}),
    ("attestation", {"kind": "mri_needed"}),
])
def test_removal_with_a_documented_indication(decide_one, evidence, fields):
    p = implanted().event(evidence, D(2026, 5, 20), **fields)
    assert decide_one(p.case(), "63661", AFTER).outcome.value == "approve"


def test_an_indication_dealt_with_by_an_earlier_revision_does_not_count_again(decide_one):
    p = implanted().event("complication", D(2026, 4, 20), kind="lead_migration")
    p.event("lead_revision", D(2026, 4, 27), approach="percutaneous", reason="migration", setting="asc")
    assert decide_one(p.case(), "63663", AFTER).outcome.value == "pend"


# --- Cigna / eviCore CMM-211: stimulation modes -------------------------------------------------


def cigna_fbss() -> Patient:
    return Patient("cigna").fbss().conservative_care().screened()


def line(code: str, waveform: str | None) -> ServiceLine:
    return ServiceLine.parse(code, waveform=waveform)


@pytest.mark.parametrize("mode", ["burst", "dtm", "closed_loop", "dual_mode"])
def test_cigna_burst_is_investigational(decide_one, mode):
    """Burst and other non-tonic modes, dual-mode and closed-loop: experimental/investigational, denied."""
    trial = decide_one(cigna_fbss().case(), line("63650", mode), TRIAL_DAY)
    assert trial.outcome.value == "deny"
    assert status_of(trial, "waveform_not_investigational") == "not_met"
    generator = decide_one(cigna_fbss().trial().case(), line("63685", mode), DOS)
    assert generator.outcome.value == "deny"


def test_cigna_unstated_waveform_pends(decide_one):
    d = decide_one(cigna_fbss().case(), line("63650", None), TRIAL_DAY)
    assert d.outcome.value == "pend"
    assert "the request: device and stimulation mode" in d.missing_documents
    assert decide_one(cigna_fbss().case(), line("63650", "tonic"), TRIAL_DAY).outcome.value == "approve"


def test_cigna_one_mode_stated_for_the_request_covers_its_lines(engine):
    """63650 + 63685 asked together: the mode stated on the generator line is the request's."""
    case = cigna_fbss().trial().case()
    d = engine.decide(case, [line("63650x2:permanent", None), line("63685", "tonic")], DOS)
    assert [c.outcome.value for c in d.codes] == ["approve", "approve"]


def test_cigna_high_frequency_only_fbss(decide_one):
    crps = Patient("cigna").diagnosis("G90.521", D(2024, 1, 1)).conservative_care().screened().trial().case()
    assert decide_one(crps, line("63685", "high_frequency"), DOS).outcome.value == "deny"
    assert decide_one(crps, line("63685", "tonic"), DOS).outcome.value == "approve"
    assert decide_one(cigna_fbss().trial().case(), line("63685", "high_frequency"), DOS).outcome.value == "approve"
    # a code that merely starts like M96.1 is not the FBSS code
    look_alike = Patient("cigna").diagnosis("G90.521", D(2024, 1, 1)).diagnosis("M96.19")
    look_alike = look_alike.conservative_care().screened().trial()
    assert decide_one(look_alike.case(), line("63685", "high_frequency"), DOS).outcome.value == "deny"


# --- Aetna: in-person physical therapy ----------------------------------------------------------


def aetna_with_pt(weeks: int, *, in_person: bool = True, end: dt.date = D(2025, 10, 31)) -> Patient:
    p = Patient("aetna").fbss()
    p.therapy("medication", D(2025, 3, 1), D(2025, 12, 31))
    p.therapy("physical_therapy", end - dt.timedelta(weeks=weeks) + dt.timedelta(days=1), end,
              weeks=weeks, in_person=in_person)
    return p.screened()


def test_aetna_six_weeks_of_in_person_pt_in_the_past_year(decide_one):
    assert decide_one(aetna_with_pt(6).case(), "63650", TRIAL_DAY).outcome.value == "approve"
    five = decide_one(aetna_with_pt(5).case(), "63650", TRIAL_DAY)
    assert five.outcome.value == "deny" and status_of(five, "in_person_physical_therapy") == "not_met"


def test_aetna_pt_that_was_not_in_person_does_not_count(decide_one):
    d = decide_one(aetna_with_pt(12, in_person=False).case(), "63650", TRIAL_DAY)
    assert status_of(d, "in_person_physical_therapy") == "not_met"


def test_aetna_pt_more_than_a_year_before_does_not_count(decide_one):
    """The trial is asked on 2026-03-02: a course ending 2025-03-01 is outside the year; 2025-03-02 is inside."""
    inside = decide_one(aetna_with_pt(6, end=D(2025, 3, 2)).case(), "63650", TRIAL_DAY)
    outside = decide_one(aetna_with_pt(6, end=D(2025, 3, 1)).case(), "63650", TRIAL_DAY)
    assert status_of(inside, "in_person_physical_therapy") == "met"
    assert status_of(outside, "in_person_physical_therapy") == "not_met"


def test_unknown_pends_aetna_without_pt_records(decide_one):
    p = Patient("aetna").fbss()
    p.therapy("medication", D(2025, 3, 1), D(2025, 12, 31))
    d = decide_one(p.screened().case(), "63650", TRIAL_DAY)
    assert status_of(d, "in_person_physical_therapy") == "insufficient"


# --- 95970 / 95971 / 95972: the parameters adjusted at the session -------------------------------

SESSION = D(2026, 7, 1)


def session(changed: int | None) -> Patient:
    p = implanted().programmed(D(2026, 4, 13), changed=4).programmed(D(2026, 6, 1), changed=4)
    if changed is None:
        return p
    return p.programmed(SESSION, changed=changed)


@pytest.mark.parametrize(("code", "changed", "outcome"), [
    ("95970", 0, "approve"), ("95970", 1, "deny"),
    ("95971", 0, "deny"), ("95971", 1, "approve"), ("95971", 3, "approve"), ("95971", 4, "deny"),
    ("95972", 3, "deny"), ("95972", 4, "approve"),
])
def test_programming_code_matches_the_parameters_adjusted(decide_one, code, changed, outcome):
    assert decide_one(session(changed).case(), code, SESSION).outcome.value == outcome


@pytest.mark.parametrize("code", ["95970", "95971", "95972"])
def test_unknown_pends_programming_without_the_session_record(decide_one, code):
    d = decide_one(session(None).case(), code, SESSION)
    assert d.outcome.value == "pend"
    assert "programming record with the parameters adjusted" in d.missing_documents
