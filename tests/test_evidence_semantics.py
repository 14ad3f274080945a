"""Unknown evidence pends, never approves and never denies (issue 8 §2), and the as-of regression (§6).

Each test reads like the rule it checks: what is missing is named, what is contradictory
is named, what happened stays in the pathway, what the pathway refused is not counted,
and a correction of the record is what is judged.
"""

from __future__ import annotations

import datetime as dt

import pytest
from casebuilder import DOS, TRIAL_DAY, D, Patient, trial_candidate

from scs_workflow import CaseError, Engine, parse_case
from scs_workflow.model.facts import CaseView

SCREENING_DAY = D(2026, 1, 15)


def replay_of(engine: Engine, p: Patient, on: dt.date):  # type: ignore[no-untyped-def]
    pathway = engine.compiled(engine.library.get(p.data["policy"])).pathway
    return pathway.replay(CaseView(p.case()), on)


def drop(p: Patient, event_id: str, *fields: str) -> Patient:
    ev = next(e for e in p.data["events"] if e["id"] == event_id)
    for name in fields:
        ev.pop(name)
    return p


def last_id(p: Patient, type_: str) -> str:
    return str(next(e["id"] for e in reversed(p.data["events"]) if e["type"] == type_))


def correct(p: Patient, target: str, on: dt.date, **replacement: object) -> Patient:
    return p.event("correction", on, corrects=target, replacement=replacement, by="nurse-reviewer",
                   reason="transcription error in the trial diary")


# --- a transition blocked only by missing evidence waits for it: pend, name the record -----


def test_unknown_pends_trial_relief_not_documented(engine, decide_one):
    # pain relief 25 % (not enough on its own), analgesic use not documented: the OR is unknown
    p = trial_candidate().trial(pain=(8, 6), mme=None)
    d = decide_one(p.case(), "63650:permanent", DOS)
    assert d.pathway_state == "trial_active"
    assert d.outcome.value == "pend" and not d.requires_clinical_review
    assert "trial outcome with baseline and trial analgesic use (MME)" in d.missing_documents
    held = d.unlock[0]  # nothing to perform: the trial outcome needs its figures documented
    assert held.action == "document trial outcome (trial_active -> trial_succeeded)" and held.event is None
    assert decide_one(p.case(), "63655", DOS).outcome.value == "pend"
    # the same trial with its analgesic figures documented: 50 % less is enough, 49 % is not
    enough = trial_candidate().trial(pain=(8, 6), mme=(100, 50)).case()
    short = trial_candidate().trial(pain=(8, 6), mme=(100, 51)).case()
    assert decide_one(enough, "63650:permanent", DOS).outcome.value == "approve"
    assert decide_one(short, "63650:permanent", DOS).outcome.value == "deny"


@pytest.mark.parametrize("baseline", [0, None], ids=["zero", "absent"])
def test_unknown_pends_zero_baseline(decide_one, baseline):
    p = trial_candidate().trial(pain=(8, 2), mme=None)
    out = last_id(p, "trial_outcome")
    if baseline is None:
        drop(p, out, "baseline_pain")
    else:
        next(e for e in p.data["events"] if e["id"] == out)["baseline_pain"] = baseline
    d = decide_one(p.case(), "63650:permanent", DOS)
    assert d.pathway_state == "trial_active" and d.outcome.value == "pend"
    assert "trial outcome with baseline and trial pain scores" in d.missing_documents


def test_unknown_pends_until_a_later_outcome_documents_the_figures(engine, decide_one):
    p = trial_candidate().trial(pain=(8, 6), mme=None)
    placed = next(e for e in p.data["events"] if e["type"] == "trial_placement")
    ended = dt.datetime.fromisoformat(placed["started_at"]) + dt.timedelta(hours=169)
    p.event("trial_outcome", ended.date(), ended_at=ended, baseline_pain=8, trial_pain=6,
            baseline_mme=90, trial_mme=30)  # the analgesic figures, added the next hour
    assert replay_of(engine, p, DOS).state == "trial_succeeded"
    assert decide_one(p.case(), "63650:permanent", DOS).outcome.value == "approve"


# --- a procedure done before its documentation was filed stays in the pathway ------------


def unscreened_psych(policy: str = "medicare") -> Patient:
    """Conservative care failed and everything screened except the psychological evaluation."""
    p = Patient(policy).fbss().conservative_care().screened()
    p.data["events"] = [e for e in p.data["events"] if e["type"] != "psych_eval"]
    return p


def test_late_psych_eval_trial_stays_in_pathway_and_pends(engine, decide_one):
    p = unscreened_psych().trial()
    replay = replay_of(engine, p, DOS)
    assert replay.state == "trial_succeeded" and not replay.rejected
    assert [(x.criterion, x.milestone) for x in replay.deficits] == [("psych_eval", "screening_complete")]
    credited = next(s for s in replay.steps if s.event_type == "screening_complete")
    assert "on credit" in credited.reason and "psych_eval" in credited.reason
    d = decide_one(p.case(), "63650:permanent", DOS)
    assert d.outcome.value == "pend" and not d.requires_clinical_review
    assert any("psychological evaluation" in doc for doc in d.missing_documents)


def test_late_psych_eval_filed_after_the_trial_is_enough(decide_one):
    p = unscreened_psych().trial()
    p.event("psych_eval", D(2026, 3, 20), evaluator_role="psychologist", cleared=True)
    assert decide_one(p.case(), "63650:permanent", DOS).outcome.value == "approve"


def test_late_psych_eval_that_does_not_clear_the_patient_denies(decide_one):
    p = unscreened_psych().trial()
    p.event("psych_eval", D(2026, 3, 20), evaluator_role="psychologist", cleared=False)
    d = decide_one(p.case(), "63650:permanent", DOS)
    assert d.outcome.value == "deny" and any(r.startswith("psych_eval not_met") for r in d.reasons)


def test_late_conservative_care_records_trial_stays_in_pathway_and_pends(engine, decide_one):
    p = Patient().fbss().screened().trial()  # screened, but no conservative care on file yet
    replay = replay_of(engine, p, DOS)
    assert replay.state == "trial_succeeded"
    assert [x.criterion for x in replay.deficits] == ["conservative_care"]
    d = decide_one(p.case(), "63650:permanent", DOS)
    assert d.outcome.value == "pend" and any("conservative_care" in x.criterion for x in replay.deficits)
    assert any(doc.startswith("a record for each modality") for doc in d.missing_documents)
    p.conservative_care(end=D(2026, 3, 15))  # filed after the trial
    assert decide_one(p.case(), "63650:permanent", DOS).outcome.value == "approve"


def test_a_milestone_that_is_not_met_is_never_taken_on_credit(engine):
    p = Patient().fbss().conservative_care().screened(cleared=False).trial()
    replay = replay_of(engine, p, DOS)
    assert replay.state == "conservative_care_failed" and not replay.deficits
    assert last_id(p, "trial_placement") in replay.rejected


# --- facts never read what replay rejected; replay never ignores what facts count ---------


def test_rejected_implant_not_counted(engine, decide_one):
    # a paddle implant and an integrated system recorded while the case is a trial candidate:
    # no trial came first, so the pathway rejects them, and neither counts anywhere
    p = trial_candidate()
    p.event("lead_implant", D(2026, 2, 2), approach="paddle", leads=1, setting="asc")
    p.event("integrated_implant", D(2026, 2, 3), leads=1, setting="asc")
    rejected = {last_id(p, "lead_implant"), last_id(p, "integrated_implant")}
    p.trial()
    replay = replay_of(engine, p, DOS)
    assert replay.rejected == rejected and replay.state == "trial_succeeded"
    assert replay.facts.get("paddle_implants").value == 0
    assert replay.facts.get("days_since_system_implant").value is None
    assert replay.facts.get("system_type").value is None
    assert decide_one(p.case(), "63655", DOS).outcome.value == "approve"


def test_rejected_implant_not_counted_by_the_claim_edits(engine):
    from scs_workflow.claims import Claim, check_claim

    p = trial_candidate()
    p.event("lead_implant", D(2026, 2, 2), approach="paddle", leads=1, setting="asc")  # rejected: no trial yet
    p.trial()
    c = Claim.model_validate({"date_of_service": DOS.isoformat(), "place_of_service": "asc",
                              "lines": [{"code": "63655"}]})
    line = check_claim(p.case(), c, engine).lines[0]
    assert "paddle_once_per_lifetime" not in {f.edit for f in line.edits}


def test_prior_paddle_counts(engine, decide_one):
    p = trial_candidate().trial()
    p.event("prior_procedure", D(2019, 5, 1), kind="scs_implant", approach="paddle")
    replay = replay_of(engine, p, DOS)
    assert replay.facts.get("paddle_implants").value == 1
    d = decide_one(p.case(), "63655", DOS)
    assert d.outcome.value == "deny" and [f.edit for f in d.coding] == ["paddle_once_per_lifetime"]
    assert not d.requires_clinical_review  # a lifetime limit is a coding refusal, not medical necessity


def test_prior_percutaneous_implant_is_not_a_paddle(decide_one):
    p = trial_candidate().trial()
    p.event("prior_procedure", D(2019, 5, 1), kind="scs_implant", approach="percutaneous")
    assert decide_one(p.case(), "63655", DOS).outcome.value == "approve"


def test_only_an_scs_implant_has_an_approach():
    p = trial_candidate()
    p.event("prior_procedure", D(2019, 5, 1), kind="spine_surgery", approach="paddle")
    with pytest.raises(CaseError) as err:
        p.case()
    assert any(x.where.startswith("$.events[") and "approach" in x.message for x in err.value.problems)


# --- no diagnosis, contradictory records: insufficient, named ------------------------------


def test_no_diagnoses_pends(decide_one):
    p = Patient().conservative_care().screened()  # no diagnosis on the case at all
    d = decide_one(p.case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "pend" and not d.requires_clinical_review
    assert any("ICD-10" in doc for doc in d.missing_documents)
    dx = next(c for c in d.criteria if c.id == "chronic_intractable_pain_dx")
    assert dx.status.value == "insufficient"


@pytest.mark.parametrize("first", ["active", "none"])
def test_contradictory_records_pend(decide_one, first):
    p = trial_candidate()
    second = "none" if first == "active" else "active"
    p.event("substance_use", D(2026, 2, 1), status=first).event("substance_use", D(2026, 2, 1), status=second)
    a, b = (e["id"] for e in p.data["events"][-2:])
    d = decide_one(p.case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "pend" and not d.requires_clinical_review
    assert any(f"contradictory records {a}, {b} on 2026-02-01" in r for r in d.reasons)
    assert "substance use screening" in d.missing_documents
    agree = trial_candidate()  # the other side: records of one date that agree are no contradiction
    agree.event("substance_use", D(2026, 2, 1), status="none").event("substance_use", D(2026, 2, 1), status="none")
    assert decide_one(agree.case(), "63650", TRIAL_DAY).outcome.value == "approve"


def test_contradictory_psych_evaluations_pend(decide_one):
    p = trial_candidate()
    p.event("psych_eval", D(2026, 2, 1), evaluator_role="psychologist", cleared=True)
    p.event("psych_eval", D(2026, 2, 1), evaluator_role="psychologist", cleared=False)
    d = decide_one(p.case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "pend" and any("contradictory records" in r for r in d.reasons)


def test_contradictory_cardiac_device_lists_pend(decide_one):
    p = trial_candidate("aetna")
    p.event("cardiac_device", D(2026, 2, 1), devices=[]).event("cardiac_device", D(2026, 2, 1), devices=["icd"])
    d = decide_one(p.case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "pend" and any("contradictory records" in r for r in d.reasons)


def test_a_retraction_resolves_a_contradiction(decide_one):
    p = trial_candidate()
    p.event("substance_use", D(2026, 2, 1), status="active").event("substance_use", D(2026, 2, 1), status="none")
    wrong = p.data["events"][-2]["id"]
    p.event("correction", D(2026, 2, 5), corrects=wrong, retracted=True, by="intake-lead",
            reason="entered on the wrong patient's screening form")
    assert decide_one(p.case(), "63650", D(2026, 2, 4)).outcome.value == "pend"  # not known yet
    assert decide_one(p.case(), "63650", TRIAL_DAY).outcome.value == "approve"


# --- corrections: the latest correction of a record is what is judged ----------------------


def test_latest_correction_of_trial_outcome_is_judged(engine, decide_one):
    p = trial_candidate().trial(pain=(8, 2), mme=(60, 60))  # 75 % relief
    out = last_id(p, "trial_outcome")
    correct(p, out, D(2026, 3, 20), trial_pain=6)  # 25 %: the diary was misread
    assert decide_one(p.case(), "63650:permanent", D(2026, 3, 19)).outcome.value == "approve"
    d = decide_one(p.case(), "63650:permanent", DOS)
    assert d.pathway_state == "trial_failed" and d.outcome.value == "deny"
    judged = next(s for s in engine.decide(p.case(), ["63650:permanent"], DOS).history if s.event_id == out)
    assert "corrected by" in judged.reason
    correct(p, out, D(2026, 3, 25), trial_pain=4)  # a later correction: 50 %, exactly enough
    assert decide_one(p.case(), "63650:permanent", DOS).outcome.value == "approve"


def test_a_later_worse_trial_outcome_is_judged_not_the_first(engine, decide_one):
    p = trial_candidate().trial(pain=(8, 2), mme=None)
    placed = next(e for e in p.data["events"] if e["type"] == "trial_placement")
    ended = dt.datetime.fromisoformat(placed["started_at"]) + dt.timedelta(hours=170)
    p.event("trial_outcome", ended.date(), ended_at=ended, baseline_pain=8, trial_pain=7,
            baseline_mme=60, trial_mme=60)  # re-assessed the next hours: 12.5 % and no less analgesic
    replay = replay_of(engine, p, DOS)
    assert replay.state == "trial_failed" and not replay.rejected
    assert decide_one(p.case(), "63650:permanent", DOS).outcome.value == "deny"


def test_a_correction_of_an_unknown_id_is_a_case_error():
    p = trial_candidate()
    p.event("correction", D(2026, 2, 1), corrects="no-such-event", retracted=True, by="x", reason="y")
    with pytest.raises(CaseError) as err:
        p.case()
    n = len(p.data["events"]) - 1
    assert [x.where for x in err.value.problems] == [f"$.events[{n}].corrects"]


def test_a_correction_must_leave_a_valid_record():
    p = trial_candidate().trial()
    correct(p, last_id(p, "trial_outcome"), D(2026, 3, 20), trial_pain=11)
    with pytest.raises(CaseError) as err:
        p.case()
    n = len(p.data["events"]) - 1
    assert [x.where for x in err.value.problems] == [f"$.events[{n}].replacement.trial_pain"]


def test_a_correction_says_exactly_one_thing():
    def with_correction(**change: object) -> dict[str, object]:
        p = Patient().event("pain_score", D(2026, 1, 1), score=5)
        p.data["events"].append({"id": "k-1", "type": "correction", "date": "2026-01-02",
                                 "corrects": "pain_score-1", "by": "x", "reason": "y", **change})
        return p.data

    assert parse_case(with_correction(replacement={"score": 3})).events[1].corrects == "pain_score-1"
    assert parse_case(with_correction(retracted=True)).events[1].retracted
    for bad in ({}, {"replacement": {}}, {"replacement": {"id": "other"}},
                {"replacement": {"score": 3}, "retracted": True}):
        with pytest.raises(CaseError):
            parse_case(with_correction(**bad))


def test_a_correction_needs_who_and_why():
    p = Patient().event("pain_score", D(2026, 1, 1), score=5)
    p.data["events"].append({"id": "k-1", "type": "correction", "date": "2026-01-02",
                             "corrects": "pain_score-1", "retracted": True})
    with pytest.raises(CaseError) as err:
        parse_case(p.data)
    assert {x.where for x in err.value.problems} == {"$.events[1].by", "$.events[1].reason"}


# --- §6: the as-of milestone check uses the facts of the date of service -------------------


def test_regression_as_of_date_milestone_with_ongoing_therapy(engine, decide_one):
    # Aetna: 6 months of conservative care. Ongoing physical therapy since 2025-08-01 and a
    # failed medication; the last event is the screening on 2026-01-15, when the care is only
    # 5 months old. Six months are reached by the date of service: every criterion is met.
    p = Patient("aetna").fbss()
    p.event("conservative_therapy", D(2025, 8, 1), kind="physical_therapy", start=D(2025, 8, 1),
            weeks=20, in_person=True, physician_supervised=True, outcome="ongoing")
    p.event("conservative_therapy", D(2025, 10, 1), kind="medication", start=D(2025, 9, 1),
            end=D(2025, 10, 1), outcome="failed")
    p.screened(on=SCREENING_DAY)
    on = D(2026, 3, 2)
    assert replay_of(engine, p, on).state == "candidate"
    assert decide_one(p.case(), "63650", on).outcome.value == "approve"
    early = decide_one(p.case(), "63650", SCREENING_DAY)  # 5 months on the screening day: not yet
    assert early.outcome.value != "approve" and early.pathway_state == "intake"


def test_an_implant_after_a_trial_outcome_without_figures_stays_in_the_pathway_and_pends(engine, decide_one):
    # the trial's figures never came, but the permanent leads were placed: the implant is real,
    # the held trial outcome is taken on credit, and what follows pends for the trial figures
    p = trial_candidate().trial(pain=(8, 6), mme=None).implanted(D(2026, 3, 20))
    replay = replay_of(engine, p, DOS)
    assert replay.state == "system_implanted" and not replay.rejected
    assert [x.criterion for x in replay.deficits] == ["trial_relief"]
    d = decide_one(p.case(), "95972", DOS)
    assert d.outcome.value == "pend" and "trial outcome with baseline and trial analgesic use (MME)" in \
        d.missing_documents


@pytest.mark.parametrize("first", ["working", "malfunction"])
def test_contradictory_generator_status_pends_the_revision_whatever_the_file_order(decide_one, first):
    """Found by the floor's port: a working and a malfunction record on one date decided 63688 by file order."""
    second = "malfunction" if first == "working" else "working"
    p = Patient().fbss().event("existing_system", D(2024, 1, 10))
    p.event("generator_status", D(2026, 5, 1), status=first, therapy_effective=True)
    p.event("generator_status", D(2026, 5, 1), status=second, therapy_effective=True)
    d = decide_one(p.case(), "63688", D(2026, 6, 1))
    assert d.outcome.value == "pend"
    crit = next(c for c in d.criteria if c.id == "device_indication")
    assert crit.status.value == "insufficient" and "contradictory records" in crit.message
