"""A case that fails validation names the JSON path of each error; nothing is guessed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scs_workflow import CaseError, case_schema, load_case, parse_case

HERE = Path(__file__).parent / "cases"


def problems(data: object) -> list[str]:
    with pytest.raises(CaseError) as err:
        parse_case(data)
    return [str(p) for p in err.value.problems]


def test_negative_pain_score_names_its_path():
    with pytest.raises(CaseError) as err:
        load_case(HERE / "negative-pain.json")
    assert [p.where for p in err.value.problems] == ["$.events[1].score"]
    assert "greater than or equal to 0" in str(err.value)


def test_trial_ending_before_it_started_is_an_error():
    with pytest.raises(CaseError) as err:
        load_case(HERE / "trial-ends-before-start.json")
    (problem,) = err.value.problems
    assert problem.where == "$.events[1].ended_at" and "before it started" in problem.message


def test_unknown_event_type_and_fields_are_refused():
    base = {"case_id": "c", "patient_ref": "SYN-1", "policy": "medicare"}
    got = problems({**base, "events": [{"type": "teleport", "date": "2026-01-01"}]})
    assert got[0].startswith("$.events[0]") and "teleport" in got[0]
    got = problems({**base, "events": [{"type": "odi", "date": "2026-01-01", "score": 30, "name": "x"}]})
    assert got == ["$.events[0].name: Extra inputs are not permitted"]


def test_duplicate_event_ids_are_refused():
    base = {"case_id": "c", "patient_ref": "SYN-1", "policy": "medicare"}
    ev = {"id": "e", "type": "odi", "date": "2026-01-01", "score": 30}
    got = problems({**base, "events": [ev, ev]})
    assert got == ["$.events[1].id: duplicate event id 'e'"]


def test_conservative_therapy_ending_before_it_began():
    base = {"case_id": "c", "patient_ref": "SYN-1", "policy": "medicare"}
    ev = {"type": "conservative_therapy", "date": "2026-01-01", "kind": "medication", "start": "2026-01-01",
          "end": "2025-12-01", "outcome": "failed"}
    assert problems({**base, "events": [ev]}) == ["$.events[0]: end is before start"]


def test_missing_ids_are_numbered_by_position():
    case = parse_case({"case_id": "c", "patient_ref": "SYN-1", "policy": "medicare",
                       "events": [{"type": "odi", "date": "2026-01-01", "score": 30}]})
    assert case.events[0].id == "ev-1"


def test_not_json_names_line_and_column(tmp_path):
    bad = tmp_path / "c.json"
    bad.write_text('{"case_id": "c",\n "events": [}')
    with pytest.raises(CaseError) as err:
        load_case(bad)
    assert "line 2 column" in str(err.value)


def test_the_schema_describes_every_event_type():
    schema = case_schema()
    text = json.dumps(schema)
    for kind in ("trial_placement", "trial_outcome", "programming", "authorization", "existing_system"):
        assert f'"{kind}"' in text
    assert "patient_ref" in schema["properties"]


def test_the_case_model_has_no_field_for_identifying_data():
    text = json.dumps(case_schema()).lower()
    for word in ("first_name", "last_name", "birth", "member_id", "ssn", "address"):
        assert word not in text
