"""Cigna (eviCore CMM-211): what it asks beyond, or instead of, the Medicare baseline."""

from __future__ import annotations

from casebuilder import DOS, TRIAL_DAY, D, Patient

from scs_workflow import ServiceLine


def cigna_candidate(**care: object) -> Patient:
    return Patient("cigna").fbss().conservative_care(**care).screened()  # type: ignore[arg-type]


def tonic(code: str) -> ServiceLine:
    """A request line stating its stimulation mode (CMM-211 covers tonic and, for FBSS, high frequency)."""
    return ServiceLine.parse(code, waveform="tonic")


def test_six_months_of_physician_supervised_care(decide_one):
    assert decide_one(cigna_candidate(months=6).case(), tonic("63650"), TRIAL_DAY).outcome.value == "approve"
    assert decide_one(cigna_candidate(months=6, days_short=1).case(), tonic("63650"), TRIAL_DAY).outcome.value == "deny"


def test_unsupervised_care_does_not_count(decide_one):
    d = decide_one(cigna_candidate(months=12, supervised=False).case(), "63650", TRIAL_DAY)
    assert d.pathway_state == "intake" and d.outcome.value == "pend"
    assert "physician-supervised conservative therapy records with dates" in d.missing_documents


def test_behavioral_health_attestation_is_required(decide_one):
    p = cigna_candidate()
    p.data["events"] = [e for e in p.data["events"] if e.get("kind") != "behavioral_health"]
    d = decide_one(p.case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "pend" and "behavioral-health attestation" in d.missing_documents


def test_trial_must_last_more_than_48_hours(decide_one):
    short = cigna_candidate().trial(hours=48, pain=(8, 2)).case()
    long = cigna_candidate().trial(hours=49, pain=(8, 2)).case()
    assert decide_one(short, tonic("63650:permanent"), DOS).outcome.value == "deny"
    assert decide_one(long, tonic("63650:permanent"), DOS).outcome.value == "approve"


def test_exactly_50_percent_pain_reduction(decide_one):
    permanent = tonic("63650:permanent")
    assert decide_one(cigna_candidate().trial(pain=(6, 3)).case(), permanent, DOS).outcome.value == "approve"
    assert decide_one(cigna_candidate().trial(pain=(6, 3.1)).case(), permanent, DOS).outcome.value == "deny"


def test_high_frequency_only_for_failed_back_surgery_syndrome(decide_one):
    crps = Patient("cigna").diagnosis("G90.521", D(2024, 1, 1)).conservative_care().screened().trial().case()
    hf = ServiceLine(code="63685", waveform="high_frequency")
    tonic = ServiceLine(code="63685", waveform="tonic")
    assert decide_one(crps, hf, DOS).outcome.value == "deny"
    assert decide_one(crps, tonic, DOS).outcome.value == "approve"
    fbss = cigna_candidate().trial().case()
    assert decide_one(fbss, hf, DOS).outcome.value == "approve"


def test_unstated_stimulation_mode_pends_for_non_fbss(decide_one):
    crps = Patient("cigna").diagnosis("G90.521", D(2024, 1, 1)).conservative_care().screened().case()
    d = decide_one(crps, "63650", TRIAL_DAY)
    assert d.outcome.value == "pend" and "the request: device and stimulation mode" in d.missing_documents
