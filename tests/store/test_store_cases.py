"""Cases as append-only logs: validation, idempotency, optimistic concurrency, the derived state."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from scs_workflow import CaseError, ConcurrencyConflict, NotFound, PermissionDenied, PolicyNotFound, parse_case
from scs_workflow.store import Actor, CaseStore, open_store
from scs_workflow.store.errors import IdempotencyConflict, StoreUnavailable
from scs_workflow.store.schema import cases

from .conftest import INTAKE, NURSE, example, pain


def test_the_example_case_recorded_event_by_event_reads_back_identical(store: CaseStore, fbss_case: str) -> None:
    assert store.case(fbss_case) == parse_case(example())
    head = store.get(fbss_case)
    assert head.version == len(example()["events"]) == 17
    assert [e.seq for e in store.events(fbss_case)] == list(range(1, 18))


def test_each_event_keeps_who_recorded_it_when_and_through_what(store: CaseStore, empty_case, clock) -> None:
    case_id = empty_case()
    clock.advance(hours=3)
    rec = store.append(case_id, pain(1), by=NURSE).record
    assert (rec.actor, rec.role, rec.source, rec.recorded_at) == ("nia", "nurse", "test", clock.at)
    assert (rec.type, rec.effective_date.isoformat()) == ("pain_score", "2026-01-05")


def test_the_pathway_state_is_kept_with_the_case(store: CaseStore, fbss_case: str) -> None:
    head = store.get(fbss_case)
    assert (head.state, head.state_policy, head.state_is_current) == ("trial_succeeded", "medicare@2026.1", True)
    assert head.state_as_of is not None and head.state_as_of.isoformat() == "2026-05-10"


def test_rebuild_recomputes_a_damaged_state_from_the_log(store: CaseStore, fbss_case: str) -> None:
    with store.db.write() as conn:
        conn.execute(update(cases).where(cases.c.case_id == fbss_case).values(state="intake"))
    assert store.rebuild([fbss_case]) == [(fbss_case, "intake", "trial_succeeded")]
    assert store.get(fbss_case).state == "trial_succeeded"


def test_resending_an_event_id_with_the_same_content_is_a_no_op(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    first = store.append(case_id, pain(1, score=8), by=INTAKE, expected_version=0)
    again = store.append(case_id, {**pain(1), "score": 8.0, "note": None}, by=NURSE, expected_version=0)
    assert again.created is False and again.record == first.record and again.version == 1
    assert store.get(case_id).version == 1 and len(store.events(case_id)) == 1


def test_resending_an_event_id_with_other_content_is_refused(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    store.append(case_id, pain(1, score=8), by=INTAKE)
    with pytest.raises(IdempotencyConflict, match=r"pain-1.*different content"):
        store.append(case_id, pain(1, score=7), by=INTAKE)
    assert [e.payload["score"] for e in store.events(case_id)] == [8]


def test_a_stale_version_is_a_conflict_never_a_lost_update(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    store.append(case_id, pain(1), by=INTAKE, expected_version=0)
    with pytest.raises(ConcurrencyConflict) as err:
        store.append(case_id, pain(2), by=NURSE, expected_version=0)
    assert (err.value.expected, err.value.actual) == (0, 1)
    assert [e.event_id for e in store.events(case_id)] == ["pain-1"]
    assert store.append(case_id, pain(2), by=NURSE, expected_version=1).version == 2


def test_an_invalid_event_is_rejected_with_its_field_path_and_nothing_is_written(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    with pytest.raises(CaseError) as err:
        store.append(case_id, pain(1, score=11), by=INTAKE)
    assert [p.where for p in err.value.problems] == ["$.score"]
    assert "pain-1" in err.value.summary and "nothing was written" in err.value.summary
    assert store.get(case_id).version == 0 and store.events(case_id) == []


def test_a_cross_event_rule_applies_to_the_case_with_the_new_event(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    store.append(case_id, {"id": "tr-1", "type": "trial_placement", "date": "2026-05-04",
                           "started_at": "2026-05-04T09:30:00", "leads": 2, "region": "thoracic"}, by=INTAKE)
    with pytest.raises(CaseError) as err:
        store.append(case_id, {"id": "to-1", "type": "trial_outcome", "date": "2026-05-04",
                               "ended_at": "2026-05-04T08:00:00"}, by=INTAKE)
    problem = err.value.problems[0]
    assert problem.where == "$.ended_at" and "event 'tr-1'" in problem.message
    assert store.get(case_id).version == 1


@pytest.mark.parametrize("event", [{"type": "pain_score", "date": "2026-01-05", "score": 5},
                                   {"id": "", "type": "pain_score", "date": "2026-01-05", "score": 5}])
def test_an_event_needs_an_id_because_it_is_the_idempotency_key(store: CaseStore, empty_case, event) -> None:
    case_id = empty_case()
    with pytest.raises(CaseError) as err:
        store.append(case_id, event, by=INTAKE)
    assert err.value.problems[0].where == "$.id"


def test_a_batch_is_written_whole_or_not_at_all(store: CaseStore, empty_case) -> None:
    from scs_workflow.store import Incoming

    case_id = empty_case()
    with pytest.raises(CaseError):
        store.append_many(case_id, [Incoming(pain(1), INTAKE), Incoming(pain(2, score=-1), INTAKE)])
    assert store.events(case_id) == []


def test_an_unknown_role_may_not_record(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    with pytest.raises(PermissionDenied, match="unknown role 'janitor'"):
        store.append(case_id, pain(1), by=Actor("jo", "janitor"))


def test_a_case_that_does_not_exist_is_not_found(store: CaseStore) -> None:
    with pytest.raises(NotFound):
        store.append("nope", pain(1), by=INTAKE)


def test_opening_a_case_is_idempotent_but_not_with_another_header(store: CaseStore, empty_case) -> None:
    case_id = empty_case()
    again = store.create_case(case_id, patient_ref="SYN-0001", policy="medicare", diagnoses=[{"code": "M96.1"}],
                              by=NURSE)
    assert again.created_by == "ana"
    with pytest.raises(IdempotencyConflict):
        store.create_case(case_id, patient_ref="SYN-0001", policy="aetna", diagnoses=[{"code": "M96.1"}], by=NURSE)


def test_a_case_under_an_unknown_policy_is_an_input_error(store: CaseStore) -> None:
    with pytest.raises(PolicyNotFound):
        store.create_case("c-9", patient_ref="SYN-0009", policy="acme", by=INTAKE)
    assert store.find("c-9") is None


def test_an_invalid_diagnosis_is_rejected_with_its_path(store: CaseStore) -> None:
    with pytest.raises(CaseError) as err:
        store.create_case("c-9", patient_ref="SYN-0009", policy="medicare", diagnoses=[{"code": "bad"}], by=INTAKE)
    assert err.value.problems[0].where == "$.diagnoses[0].code"


def test_an_unreachable_postgresql_is_a_clear_error() -> None:
    with pytest.raises(StoreUnavailable, match=r"cannot connect to postgresql\+psycopg://postgres@127.0.0.1:1/test"):
        open_store("postgresql://postgres@127.0.0.1:1/test")


def test_a_password_never_shows_in_the_error() -> None:
    with pytest.raises(StoreUnavailable) as err:
        open_store("postgresql://postgres:s3cret@127.0.0.1:1/test")
    assert "s3cret" not in str(err.value)


def test_a_sqlite_file_in_a_missing_directory_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(StoreUnavailable, match="does not exist"):
        open_store(str(tmp_path / "nowhere" / "x.db"))


def test_a_correction_is_appended_like_any_event_and_re_judges_the_trial(store: CaseStore, fbss_case: str) -> None:
    # the example's trial gave 75 % relief; a nurse corrects a misread diary: 25 % and no less analgesic
    fix = {"id": "fix-1", "type": "correction", "date": "2026-05-20", "corrects": "to-1",
           "replacement": {"trial_pain": 6, "trial_mme": 60}, "by": "nurse nia", "reason": "diary misread"}
    rec = store.append(fbss_case, fix, by=NURSE).record
    assert (rec.type, rec.payload["corrects"]) == ("correction", "to-1")
    assert store.get(fbss_case).state == "trial_failed"
    assert store.append(fbss_case, fix, by=NURSE).created is False  # idempotent like any event
    with pytest.raises(CaseError) as err:
        store.append(fbss_case, {**fix, "id": "fix-2", "corrects": "to-9"}, by=NURSE)
    assert [p.where for p in err.value.problems] == ["$.corrects"]
