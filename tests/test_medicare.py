"""Medicare: NCD 160.7, Noridian L37632 / A56876 and the OPD prior-authorization checklists."""

from __future__ import annotations

import datetime as dt

from casebuilder import DOS, TRIAL_DAY, D, Patient, trial_candidate

from scs_workflow import ServiceLine


def test_screened_candidate_may_have_a_trial(decide_one):
    d = decide_one(trial_candidate().case(), "63650x2", TRIAL_DAY)
    assert (d.use, d.outcome.value, d.pathway_state) == ("trial", "approve", "candidate")
    assert d.reasons == [] and d.unlock == []


def test_trial_relief_exactly_50_percent_less_pain_is_enough(decide_one):
    case = trial_candidate().trial(pain=(8, 4), mme=(60, 60)).case()
    assert decide_one(case, "63650:permanent", DOS).outcome.value == "approve"


def test_trial_relief_just_under_50_percent_is_not_enough(decide_one):
    case = trial_candidate().trial(pain=(8, 4.1), mme=(60, 60)).case()
    d = decide_one(case, "63650:permanent", DOS)
    assert d.outcome.value == "deny" and d.pathway_state == "trial_failed"
    relief = next(c for c in d.criteria if c.id == "trial_relief")
    assert relief.status.value == "not_met" and "checklists" in relief.citation


def test_analgesics_halved_alone_is_a_successful_trial(decide_one):
    case = trial_candidate().trial(pain=(8, 6), mme=(60, 30)).case()
    assert decide_one(case, "63650:permanent", DOS).outcome.value == "approve"


def test_analgesics_reduced_49_percent_with_little_pain_relief_fails(decide_one):
    case = trial_candidate().trial(pain=(8, 6), mme=(100, 51)).case()
    assert decide_one(case, "63650:permanent", DOS).outcome.value == "deny"


def test_trial_without_scores_cannot_be_judged_and_pends_the_permanent_request(engine):
    p = trial_candidate()
    p.trial()
    p.data["events"][-1].pop("baseline_pain")
    p.data["events"][-1].pop("baseline_mme")
    decision = engine.decide(p.case(), [ServiceLine(code="63650", use="permanent")], DOS)
    d = decision.codes[0]
    assert decision.pathway_state == "trial_active"
    assert d.outcome.value == "pend"  # the trial waits for its figures: paperwork, not a refusal
    assert any("baseline and trial pain scores" in doc for doc in d.missing_documents)
    skipped = [h for h in decision.history if not h.applied and h.event == "trial_outcome"]
    assert skipped and "trial_relief is insufficient" in skipped[0].reason


def test_two_leads_are_paid_three_are_not(decide_one):
    case = trial_candidate().case()
    assert decide_one(case, "63650x2", TRIAL_DAY).outcome.value == "approve"
    d = decide_one(case, "63650x3", TRIAL_DAY)
    assert d.outcome.value == "deny" and not d.requires_clinical_review  # a coding refusal, not medical necessity
    assert any(f.edit == "lead_limit_units" and "A56876" in f.citation for f in d.coding)


def test_sixteen_contacts_are_paid_seventeen_are_not(decide_one):
    case = trial_candidate().case()
    ok = decide_one(case, ServiceLine(code="63650", units=2, contacts=16), TRIAL_DAY)
    too_many = decide_one(case, ServiceLine(code="63650", units=2, contacts=17), TRIAL_DAY)
    assert ok.outcome.value == "approve" and too_many.outcome.value == "deny"


def test_third_trial_in_one_region_passes_the_limit_but_another_region_does_not(decide_one):
    """A56876: 2 trials per region; the earlier ones failed technically, the exception A56876 allows, so the
    third pends for that documentation (one rule: the trials_per_region edit) instead of being approved."""
    p = trial_candidate()
    p.trial(start=D(2026, 2, 2), leads=1, technical_failure=True)
    p.trial(start=D(2026, 2, 16), leads=1, technical_failure=True)
    case = p.case()
    d = decide_one(case, ServiceLine(code="63650", region="thoracic"), D(2026, 3, 2))
    assert d.outcome.value == "pend" and [f.edit for f in d.coding] == ["trials_per_region"]
    assert "technical failure" in d.coding[0].message and not d.requires_clinical_review
    other = decide_one(case, ServiceLine(code="63650", region="cervical"), D(2026, 3, 2))
    assert other.outcome.value == "approve"


def test_trial_units_four_per_lifetime(decide_one):
    p = trial_candidate()
    p.trial(start=D(2026, 2, 2), leads=2, technical_failure=True, region="cervical")
    case = p.case()
    four = decide_one(case, ServiceLine(code="63650", units=2, region="thoracic"), D(2026, 3, 2))
    five = decide_one(case, ServiceLine(code="63650", units=2, region="thoracic", contacts=16), D(2026, 3, 2))
    assert four.outcome.value == "approve"
    p.trial(start=D(2026, 2, 20), leads=1, technical_failure=True, region="lumbar")
    five = decide_one(p.case(), ServiceLine(code="63650", units=2, region="thoracic"), D(2026, 3, 2))
    assert five.outcome.value == "pend" and [f.edit for f in five.coding] == ["trial_units_lifetime"]
    assert "5 units" in five.coding[0].message  # technical failures: the A56876 exception, to be documented


def test_repeat_trial_after_failure_needs_extenuating_circumstances(decide_one):
    p = trial_candidate().trial(pain=(8, 7), mme=(60, 60))
    d = decide_one(p.case(), "63650", DOS)
    assert (d.use, d.outcome.value) == ("repeat_trial", "pend")
    assert "documentation of the extenuating circumstances of the failed trial" in d.missing_documents
    p.event("attestation", D(2026, 3, 20), kind="extenuating_circumstances")
    assert decide_one(p.case(), "63650", DOS).outcome.value == "approve"


def test_trial_without_analgesic_figures_cannot_fail_under_the_or_rule(engine):
    """Pain relief alone is not enough to call a Medicare trial failed: analgesic use might qualify it."""
    decision = engine.decide(trial_candidate().trial(pain=(8, 7), mme=None).case(), ["63650"], DOS)
    assert decision.pathway_state == "trial_active"


def test_technical_failure_allows_a_new_trial_without_justification(decide_one):
    case = trial_candidate().trial(technical_failure=True, pain=(8, 8)).case()
    d = decide_one(case, "63650", DOS)
    assert (d.pathway_state, d.use, d.outcome.value) == ("trial_technical_failure", "trial", "approve")


def test_permanent_implant_before_any_trial_is_denied_and_says_what_unlocks_it(decide_one):
    d = decide_one(trial_candidate().case(), "63650:permanent", DOS)
    assert d.outcome.value == "deny" and d.requires_clinical_review
    assert [s.event for s in d.unlock][:2] == ["trial_placement", "trial_outcome"]
    assert any("NCD 160.7 condition (e)" in r for r in d.reasons)


def test_generator_is_never_for_a_trial(decide_one):
    case = trial_candidate().case()
    d = decide_one(case, "63685", TRIAL_DAY, also=["63650"])
    assert d.outcome.value == "deny" and "trial stimulator is part of 63650" in d.reasons[0]
    # during the trial, a generator waits for the trial outcome: it pends for that record (the trial
    # is not judged yet), never approves
    active = trial_candidate().trial(hours=168).case()
    during = decide_one(active, "63685", D(2026, 3, 5))
    assert during.outcome.value == "pend" and any("trial outcome" in m for m in during.missing_documents)


def test_generator_with_permanent_leads_after_a_successful_trial(decide_one):
    case = trial_candidate().trial().case()
    assert decide_one(case, "63685", DOS, also=["63650x2:permanent"]).outcome.value == "approve"


def test_paddle_once_per_lifetime(decide_one):
    p = trial_candidate().trial().implanted(on=D(2026, 3, 16), approach="paddle")
    p.event("lead_removal", D(2026, 3, 30), approach="paddle", reason="infection")
    p.event("explant", D(2026, 3, 30), reason="infection")
    d = decide_one(p.case(), "63655", DOS)
    assert d.outcome.value == "deny" and "paddle_once_per_lifetime" in [f.edit for f in d.coding]


def test_battery_replacement_of_a_working_system_needs_no_new_trial(decide_one):
    p = Patient().fbss().event("existing_system", D(2019, 9, 1))
    p.event("generator_status", D(2026, 5, 1), status="end_of_life", therapy_effective=True)
    d = decide_one(p.case(), "63685", D(2026, 5, 10))
    assert (d.use, d.outcome.value) == ("replacement", "approve")
    assert not any(c.id == "trial_relief" for c in d.criteria)


def test_replacing_a_working_generator_without_a_problem_is_denied(decide_one):
    p = Patient().fbss().event("existing_system", D(2019, 9, 1))
    p.event("generator_status", D(2026, 5, 1), status="working", therapy_effective=True)
    assert decide_one(p.case(), "63685", D(2026, 5, 10)).outcome.value == "deny"


def programmed_patient() -> Patient:
    return trial_candidate().trial().implanted(on=D(2026, 4, 6)).programmed(D(2026, 4, 13)).programmed(D(2026, 6, 1))


def test_programming_29_days_after_the_last_is_too_soon_30_is_fine(decide_one):
    too_soon = programmed_patient().programmed(D(2026, 6, 30), changed=4).case()
    fine = programmed_patient().programmed(D(2026, 7, 1), changed=4).case()
    assert decide_one(too_soon, "95972", D(2026, 6, 30)).outcome.value == "deny"
    assert decide_one(fine, "95972", D(2026, 7, 1)).outcome.value == "approve"


def test_programming_more_often_in_the_first_month_after_implant(decide_one):
    implanted = trial_candidate().trial().implanted(on=D(2026, 4, 6)).programmed(D(2026, 4, 20))
    day_30 = implanted.programmed(D(2026, 5, 6), changed=2).case()
    implanted = trial_candidate().trial().implanted(on=D(2026, 4, 6)).programmed(D(2026, 4, 20))
    day_31 = implanted.programmed(D(2026, 5, 7), changed=2).case()
    assert decide_one(day_30, "95971", D(2026, 5, 6)).outcome.value == "approve"  # day 30 after implant
    assert decide_one(day_31, "95971", D(2026, 5, 7)).outcome.value == "deny"  # day 31, 17 days after the last


def test_programming_on_the_implant_day_is_test_stimulation(decide_one):
    case = trial_candidate().trial().implanted(on=D(2026, 4, 6)).case()
    d = decide_one(case, "95972", D(2026, 4, 6))
    assert d.outcome.value == "deny"
    assert "test_stimulation_part_of_placement" in [f.edit for f in d.coding]


def test_analysis_without_programming_is_not_billed_with_programming(decide_one):
    case = programmed_patient().case()
    d = decide_one(case, "95970", D(2026, 7, 1), also=["95971"])
    assert d.outcome.value == "deny" and [f.edit for f in d.coding] == ["analysis_with_programming"]
    assert not d.requires_clinical_review


def test_integrated_system_is_never_billed_with_63650_or_63685(engine):
    """The conventional line is refused (coding); the integrated system is judged on its own merits."""
    case = trial_candidate().trial().case()
    asc = {"place_of_service": "asc"}
    decision = engine.decide(case, [ServiceLine(code="0784T", **asc), ServiceLine(code="63685", **asc)], DOS)
    assert [c.outcome.value for c in decision.codes] == ["approve", "deny"]
    assert [f.edit for f in decision.codes[1].coding] == ["integrated_replaces_conventional"]
    alone = engine.decide(case, [ServiceLine(code="0784T", **asc)], DOS)
    assert alone.codes[0].outcome.value == "approve"


def test_sacral_integrated_codes_are_refused_as_outside_the_pathway(decide_one):
    for code in ("0786T", "0787T"):
        d = decide_one(trial_candidate().case(), code, DOS)
        assert d.outcome.value == "deny" and "sacral" in d.reasons[0] and d.criteria == []


def test_missing_psych_evaluation_pends_a_trial_and_names_the_document(decide_one):
    p = Patient().fbss().conservative_care()
    p.event("physical_exam", D(2026, 1, 15))
    d = decide_one(p.case(), "63650", TRIAL_DAY)
    assert d.pathway_state == "conservative_care_failed"
    assert d.outcome.value == "pend" and "psychological evaluation report" in d.missing_documents
    assert d.unlock[0].to_state == "candidate"


def test_psych_evaluation_that_did_not_clear_denies_a_trial(decide_one):
    d = decide_one(Patient().fbss().conservative_care().screened(cleared=False).case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "deny" and any("psych_eval" in r and "NCD 160.7" in r for r in d.reasons)


def test_active_substance_abuse_denies_a_trial(decide_one):
    p = trial_candidate().event("substance_use", D(2026, 2, 1), status="active")
    d = decide_one(p.case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "deny" and any("L37632" in r for r in d.reasons)


def test_unverified_facts_show_in_the_decision(decide_one):
    d = decide_one(trial_candidate().case(), "63650", TRIAL_DAY)
    flags = {c.id: c.verified for c in d.criteria}
    assert flags["late_resort"] is False  # NCD wording from memory [M]
    assert flags["psych_eval"] is True  # checklists [S]


def test_events_after_the_date_of_service_are_excluded_and_said_so(engine):
    case = trial_candidate().trial().case()
    decision = engine.decide(case, ["63650"], TRIAL_DAY - dt.timedelta(days=1))
    assert decision.pathway_state == "candidate"
    assert {h.event for h in decision.excluded_events} == {"trial_placement", "trial_outcome"}
    assert all("not yet part of the case" in h.reason for h in decision.excluded_events)


def test_a_diagnosis_recorded_later_counts_from_its_date(decide_one):
    p = Patient().diagnosis("M54.5").conservative_care().screened()  # axial low-back pain: not an indication
    p.event("diagnosis", D(2026, 2, 20), code="M54.16", onset=D(2024, 1, 1))
    before = decide_one(p.case(), "63650", D(2026, 2, 19))
    after = decide_one(p.case(), "63650", D(2026, 2, 20))
    assert before.outcome.value == "deny" and any("chronic_intractable_pain_dx" in r for r in before.reasons)
    assert after.outcome.value == "approve"


def test_a_ruled_out_diagnosis_no_longer_counts(decide_one):
    p = trial_candidate()
    p.event("diagnosis", D(2026, 2, 1), code="M96.1", status="ruled_out")
    d = decide_one(p.case(), "63650", TRIAL_DAY)  # no diagnosis left: the indication is undocumented
    assert d.outcome.value == "pend" and any("ICD-10" in doc for doc in d.missing_documents)
    p.diagnosis("M54.5")  # an active diagnosis that is not an indication: not met
    assert decide_one(p.case(), "63650", TRIAL_DAY).outcome.value == "deny"
