"""The pathway: one shared machine per policy, replayed per case, nothing silently dropped."""

from __future__ import annotations

import datetime as dt

import transitions
from casebuilder import DOS, TRIAL_DAY, D, Patient, trial_candidate

from scs_workflow.model.facts import CaseView


def states_through(engine, patient: Patient, on: dt.date) -> list[str]:
    pathway = engine.compiled(engine.library.get(patient.data["policy"])).pathway
    replay = pathway.replay(CaseView(patient.case()), on)
    return [s.to_state for s in replay.steps if s.applied]


def test_the_whole_pathway_from_intake_to_follow_up(engine):
    p = trial_candidate().trial().implanted(on=D(2026, 4, 6)).programmed(D(2026, 4, 13))
    assert states_through(engine, p, D(2026, 5, 1)) == [
        "conservative_care_failed", "candidate", "trial_active", "trial_succeeded", "leads_implanted",
        "system_implanted", "in_follow_up"]


def test_revision_removal_and_explant_branches(engine):
    p = trial_candidate().trial().implanted(on=D(2026, 4, 6))
    p.event("lead_revision", D(2026, 5, 1), approach="percutaneous", reason="migration")
    p.event("generator_removal", D(2026, 6, 1), reason="infection")
    p.event("generator_replacement", D(2026, 7, 1), reason="end_of_life")
    p.event("lead_removal", D(2026, 8, 1), approach="percutaneous", reason="no_benefit")
    p.event("explant", D(2026, 8, 2), reason="no_benefit")
    assert states_through(engine, p, D(2026, 9, 1))[-5:] == [
        "system_implanted", "generator_removed", "system_implanted", "leads_removed", "explanted"]


def test_an_event_whose_guard_fails_is_kept_and_explained(engine):
    # a trial after a psychological evaluation that did not clear the patient: the screening
    # milestone is not met (not merely undocumented), so the trial cannot be taken on credit
    p = Patient().fbss().conservative_care().screened(cleared=False).trial()
    decision = engine.decide(p.case(), ["63650"], DOS)
    assert decision.pathway_state == "conservative_care_failed"
    skipped = [h for h in decision.history if not h.applied]
    assert [h.event for h in skipped] == ["trial_placement", "trial_outcome"]
    assert "cannot follow state conservative_care_failed" in skipped[0].reason and skipped[0].event_id


def test_a_procedure_on_the_date_of_service_is_the_service_under_review(engine):
    p = trial_candidate().trial(start=TRIAL_DAY)
    decision = engine.decide(p.case(), ["63650"], TRIAL_DAY)
    assert decision.pathway_state == "candidate" and decision.codes[0].outcome.value == "approve"
    assert any("service under review" in h.reason for h in decision.excluded_events)


def test_no_machine_is_built_per_case(engine, monkeypatch):
    engine.decide(trial_candidate().case(), ["63650"], DOS)  # compile the policy first
    built = []
    original = transitions.Machine.__init__

    def counting(self, *a, **kw):  # type: ignore[no-untyped-def]
        built.append(1)
        original(self, *a, **kw)

    monkeypatch.setattr(transitions.Machine, "__init__", counting)
    for n in range(50):
        engine.decide(trial_candidate().trial().case(), ["63650", "63685"], DOS + dt.timedelta(days=n))
    machine = engine.compiled(engine.library.get("medicare")).pathway.machine
    assert built == [] and machine.models == []


def test_the_same_case_policy_and_date_give_byte_identical_decisions(engine):
    from scs_workflow import Engine

    case = trial_candidate("aetna").trial(pain=(8, 5)).case()
    first = engine.decide(case, ["63650x2:permanent", "63685", "95970"], DOS).model_dump_json()
    again = Engine().decide(case, ["63650x2:permanent", "63685", "95970"], DOS).model_dump_json()
    shuffled = case.model_copy(update={"events": list(reversed(case.events))})
    third = engine.decide(shuffled, ["63650x2:permanent", "63685", "95970"], DOS).model_dump_json()
    assert first == again == third
