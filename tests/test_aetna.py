"""Aetna CPB 0194: what it asks beyond, or instead of, the Medicare baseline."""

from __future__ import annotations

from casebuilder import DOS, TRIAL_DAY, D, Patient

from scs_workflow import ServiceLine


def aetna_candidate(**care: int) -> Patient:
    return Patient("aetna").fbss().conservative_care(**care).screened()


def test_exactly_six_calendar_months_of_conservative_care_is_enough(decide_one):
    d = decide_one(aetna_candidate(months=6).case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "approve"


def test_one_day_short_of_six_months_is_not(decide_one):
    d = decide_one(aetna_candidate(months=6, days_short=1).case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "deny"
    care = next(c for c in d.criteria if c.id == "conservative_care")
    assert care.status.value == "not_met" and "CPB 0194" in care.citation and "5 (needs ≥ 6)" in care.message


def test_six_months_counts_calendar_months_from_the_start_date():
    from scs_workflow.model.windows import months_between

    assert months_between(D(2025, 1, 15), D(2025, 7, 15)) == 6
    assert months_between(D(2025, 1, 15), D(2025, 7, 14)) == 5
    # month ends clamp (dateutil): Aug 31 + 6 months = Feb 28, so six months are reached on Feb 28
    assert months_between(D(2025, 8, 31), D(2026, 2, 27)) == 5
    assert months_between(D(2025, 8, 31), D(2026, 2, 28)) == 6


def test_odi_21_is_enough_20_is_not(decide_one):
    assert decide_one(Patient("aetna").fbss().conservative_care().screened(odi=21).case(), "63650",
                      TRIAL_DAY).outcome.value == "approve"
    d = decide_one(Patient("aetna").fbss().conservative_care().screened(odi=20).case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "deny" and any(r.startswith("odi not_met") for r in d.reasons)


def neuropathic(pain: float, onset: D) -> Patient:
    p = Patient("aetna").diagnosis("E11.42", onset).conservative_care()
    return p.screened(pain=pain)


def test_neuropathic_pain_needs_5_of_10_for_12_months(decide_one):
    # the trial day is 2026-03-02: pain since 2025-03-02 is 12 calendar months (2025-03-02 + 12 months)
    ok = decide_one(neuropathic(5, D(2025, 3, 2)).case(), "63650", TRIAL_DAY)
    assert ok.outcome.value == "approve"
    mild = decide_one(neuropathic(4.9, D(2025, 3, 2)).case(), "63650", TRIAL_DAY)
    recent = decide_one(neuropathic(5, D(2025, 3, 3)).case(), "63650", TRIAL_DAY)  # 11 months and 364 days
    assert mild.outcome.value == "deny" and recent.outcome.value == "deny"


def test_pain_duration_rule_does_not_apply_to_fbss(decide_one):
    d = decide_one(aetna_candidate().case(), "63650", TRIAL_DAY)
    rule = next(c for c in d.criteria if c.id == "neuropathic_pain_severity")
    assert rule.status.value == "not_applicable"


def test_pacemaker_is_a_contraindication(decide_one):
    p = aetna_candidate().event("cardiac_device", D(2026, 2, 1), devices=["pacemaker"])
    d = decide_one(p.case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "deny" and any("no_cardiac_device" in r for r in d.reasons)


def test_cardiac_history_not_documented_pends(decide_one):
    p = aetna_candidate()
    p.data["events"] = [e for e in p.data["events"] if e["type"] != "cardiac_device"]
    d = decide_one(p.case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "pend" and "cardiac device history (pacemaker / ICD, or none)" in d.missing_documents


def test_trial_of_3_to_7_days(decide_one):
    for hours, outcome in ((71, "deny"), (72, "approve"), (168, "approve"), (169, "deny")):
        case = aetna_candidate().trial(hours=hours, pain=(8, 4)).case()
        assert decide_one(case, "63650:permanent", DOS).outcome.value == outcome, hours


def test_halved_analgesics_without_50_percent_less_pain_is_a_failed_trial(decide_one):
    case = aetna_candidate().trial(pain=(5, 3), mme=(60, 30)).case()
    d = decide_one(case, "63650:permanent", DOS)
    assert d.pathway_state == "trial_failed" and d.outcome.value == "deny"


def test_medicare_only_limits_do_not_apply(decide_one):
    """A56876's lead limit is Medicare's; three units still pass the CPT/NCCI unit edit (MUE) the pack keeps."""
    d = decide_one(aetna_candidate().case(), ServiceLine(code="63650", units=3), TRIAL_DAY)
    assert d.gate_outcome.value == "approve" and [f.edit for f in d.coding] == ["mue"]
    assert not any(c.id in ("late_resort", "facility") for c in d.criteria)
    two = decide_one(aetna_candidate().case(), ServiceLine(code="63650", units=2), TRIAL_DAY)
    assert two.outcome.value == "approve"
