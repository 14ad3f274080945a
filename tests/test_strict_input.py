"""Strict input: the case, a service line and a claim refuse what they would otherwise guess.

Each refusal names the JSON path of the value. A whole number is still a number (pain 8 is 8.0),
and a code written as a number (63650) is still read as the code.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from casebuilder import DOS, trial_candidate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from scs_workflow import CaseError, ServiceLine, load_case, parse_case
from scs_workflow.claims import parse_claim
from scs_workflow.model.errors import ClaimError

BASE = {"case_id": "c", "patient_ref": "SYN-1", "policy": "medicare"}
OUTCOME = {"type": "trial_outcome", "date": "2026-03-09", "ended_at": "2026-03-09T08:00:00",
           "baseline_pain": 8, "trial_pain": 3}
PLACEMENT = {"type": "trial_placement", "date": "2026-03-02", "started_at": "2026-03-02T08:00:00", "leads": 2,
             "region": "thoracic"}


def problems(*events: dict[str, Any], **case: Any) -> list[str]:
    with pytest.raises(CaseError) as err:
        parse_case({**BASE, **case, "events": list(events)})
    return [str(p) for p in err.value.problems]


def accepted(*events: dict[str, Any]) -> Any:
    return parse_case({**BASE, "events": list(events)})


def test_strict_input_trial_pain_true_is_not_a_number():
    got = problems(PLACEMENT, {**OUTCOME, "trial_pain": True})
    assert got == ["$.events[1].trial_pain: Input should be a valid number"]


def test_strict_input_number_written_as_text_is_refused():
    assert problems({"type": "pain_score", "date": "2026-01-02", "score": "8"}) == [
        "$.events[0].score: Input should be a valid number"]
    assert problems({**PLACEMENT, "leads": "2"}) == ["$.events[0].leads: Input should be a valid integer"]


def test_strict_input_whole_number_is_a_number():
    assert accepted({"type": "pain_score", "date": "2026-01-02", "score": 8}).events[0].score == 8.0
    assert accepted({"type": "odi", "date": "2026-01-02", "score": 40.5}).events[0].score == 40.5


def test_strict_input_a_fraction_is_not_a_count():
    assert problems({**PLACEMENT, "leads": 2.5}) == ["$.events[0].leads: Input should be a valid integer"]


def test_strict_input_yes_is_not_a_boolean():
    got = problems({"type": "psych_eval", "date": "2026-01-02", "evaluator_role": "psychologist", "cleared": "yes"})
    assert got == ["$.events[0].cleared: Input should be a valid boolean"]
    got = problems({"type": "psych_eval", "date": "2026-01-02", "evaluator_role": "psychologist", "cleared": 1})
    assert got == ["$.events[0].cleared: Input should be a valid boolean"]


def test_strict_input_a_number_is_not_text():
    assert problems({"type": "odi", "date": "2026-01-02", "score": 30, "note": 5}) == [
        "$.events[0].note: Input should be a valid string"]
    assert problems(case_id=7)[0] == "$.case_id: Input should be a valid string"


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_strict_input_infinite_and_nan_are_refused(value):
    got = problems(PLACEMENT, {**OUTCOME, "baseline_mme": value, "trial_mme": 10})
    assert got == ["$.events[1].baseline_mme: Input should be a finite number"]


def test_strict_input_infinity_in_a_case_file_is_refused(tmp_path):
    f = tmp_path / "case.json"
    f.write_text('{"case_id": "c", "patient_ref": "SYN-1", "policy": "medicare", "events": ['
                 '{"type": "odi", "date": "2026-01-02", "score": Infinity}]}')
    with pytest.raises(CaseError) as err:
        load_case(f)
    assert [p.where for p in err.value.problems] == ["$.events[0].score"]


@pytest.mark.parametrize(("date", "ok"), [("1899-12-31", False), ("1900-01-01", True), ("2100-12-31", True),
                                          ("2101-01-01", False)])
def test_strict_input_dates_before_1900_or_after_2100_are_refused(date, ok):
    ev = {"type": "odi", "date": date, "score": 30}
    if ok:
        assert accepted(ev).events[0].date.isoformat() == date
    else:
        assert problems(ev) == ["$.events[0].date: dates run from 1900-01-01 to 2100-12-31"]


def test_strict_input_date_times_before_1900_or_after_2100_are_refused():
    got = problems({**PLACEMENT, "date": "1899-12-31", "started_at": "1899-12-31T08:00:00"})
    assert "$.events[0].date: dates run from 1900-01-01 to 2100-12-31" in got
    assert "$.events[0].started_at: dates run from 1900-01-01 to 2100-12-31" in got


@pytest.mark.parametrize("value", [20260102, 1767312000, "2026-01-02T00:00:00", "01/02/2026", "2026-1-2", "2026-02-30",
                                   "", True])
def test_strict_input_a_date_is_iso_text(value):
    (got,) = problems({"type": "odi", "date": value, "score": 30})
    assert got.startswith("$.events[0].date: ")
    assert str(value) not in got.partition(": ")[2] or value == ""  # messages never echo case data


@pytest.mark.parametrize("value", ["2026-03-02", "2026-03-02 08:00", 1772438400, "2026-03-02T8:00"])
def test_strict_input_a_date_time_is_iso_text(value):
    (got,) = problems({**PLACEMENT, "started_at": value})
    assert got.startswith("$.events[0].started_at: ")


def test_strict_input_iso_date_times_with_seconds_fractions_and_offsets_are_read():
    for stamp in ("2026-03-02T08:00", "2026-03-02T08:00:30.5", "2026-03-02T08:00:00Z", "2026-03-02T08:00:00-05:00"):
        assert accepted({**PLACEMENT, "started_at": stamp}).events[0].started_at.hour == 8


# --- trial time stamps fall on their events' own dates -----------------------------------


def test_trial_started_at_must_be_on_the_placement_date():
    got = problems({**PLACEMENT, "started_at": "2026-03-01T23:30:00"})
    assert got == ["$.events[0].started_at: not on the date of its event (the trial's time stamps fall on the "
                   "events' dates)"]


def test_trial_ended_at_must_be_on_the_outcome_date():
    got = problems(PLACEMENT, {**OUTCOME, "ended_at": "2026-03-10T08:00:00"})
    assert got == ["$.events[1].ended_at: not on the date of its event (the trial's time stamps fall on the "
                   "events' dates)"]


def test_trial_time_stamps_with_an_offset_are_read_on_the_local_date_as_written():
    # 23:30 at -05:00 is the next day in UTC, but the local date as written is the event's date
    ok = accepted({**PLACEMENT, "started_at": "2026-03-02T23:30:00-05:00"},
                  {**OUTCOME, "ended_at": "2026-03-09T00:30:00+02:00"})
    assert ok.events[0].started_at.date().isoformat() == "2026-03-02"
    got = problems({**PLACEMENT, "started_at": "2026-03-03T01:00:00+02:00"})  # 2026-03-02 23:00 in UTC
    assert got[0].startswith("$.events[0].started_at: not on the date of its event")


# --- service lines and claims ----------------------------------------------------------------


def line_problem(**fields: Any) -> str:
    with pytest.raises(ValidationError) as err:
        ServiceLine.model_validate({"code": "63650", **fields})
    (e,) = err.value.errors()
    return ".".join(str(x) for x in e["loc"]) + ": " + e["msg"]


def test_strict_input_service_line_units_are_numbers():
    assert line_problem(units="2") == "units: Input should be a valid integer"
    assert line_problem(units=True) == "units: Input should be a valid integer"
    assert line_problem(contacts=16.5) == "contacts: Input should be a valid integer"
    assert line_problem(use=1) == "use: Input should be a valid string"


def test_a_code_written_as_a_number_is_still_read_as_the_code():
    assert ServiceLine.model_validate({"code": 63650, "units": 2, "modifiers": [58]}).code == "63650"
    assert ServiceLine.model_validate({"code": 63650, "modifiers": [58]}).modifiers == ["58"]


def claim_problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ClaimError) as err:
        parse_claim(data)
    return [str(p) for p in err.value.problems]


def test_strict_input_claim_lines_and_dates():
    claim = {"date_of_service": "2026-04-01", "place_of_service": "asc", "lines": [{"code": 63650, "units": 2}]}
    assert parse_claim(claim).lines[0].code == "63650"
    assert claim_problems({**claim, "lines": [{"code": "63650", "units": "2"}]}) == [
        "$.lines[0].units: Input should be a valid integer"]
    assert claim_problems({**claim, "date_of_service": "2101-01-01"}) == [
        "$.date_of_service: dates run from 1900-01-01 to 2100-12-31"]
    assert claim_problems({**claim, "date_of_service": 20260401})[0].startswith("$.date_of_service: ")


# --- property: a value of the wrong JSON type at any field is a located error -----------------

_VALID = json.loads(json.dumps(trial_candidate("aetna").trial().implanted().programmed(DOS).data))


def _json_type(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


_ANY_JSON = st.one_of(
    st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
_FIELDS = ([("events", i, k) for i, ev in enumerate(_VALID["events"]) for k, v in ev.items()
            if k != "type" and v is not None]
           + [("diagnoses", 0, k) for k, v in _VALID["diagnoses"][0].items() if v is not None]
           + [(k, None, None) for k in ("case_id", "patient_ref", "policy", "events", "diagnoses")])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_FIELDS), _ANY_JSON)
def test_strict_input_a_value_of_the_wrong_type_is_a_located_error_never_a_guess(field, value):
    top, i, key = field
    data = copy.deepcopy(_VALID)
    holder, name, where = (data, top, f"$.{top}") if i is None else (data[top][i], key, f"$.{top}[{i}].{key}")
    if _json_type(value) == _json_type(holder[name]) or (name == "code" and isinstance(value, int)):
        return  # same JSON type (or a code written as a number): not this property
    holder[name] = value
    with pytest.raises(CaseError) as err:
        parse_case(data)
    assert any(p.where.startswith(where) for p in err.value.problems), err.value.problems
