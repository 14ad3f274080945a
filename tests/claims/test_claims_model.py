"""The claim file, its errors by JSON path, and how a line's outcome is put together."""

from __future__ import annotations

import json

import pytest
from casebuilder import DOS

from scs_workflow import ClaimError, UnknownCode
from scs_workflow.claims import check_claim, load_claim, parse_claim
from scs_workflow.model.case import load_case

from .conftest import check, claim, fired, line
from .scenarios import trialled

GOOD = {"date_of_service": "2026-04-01", "place_of_service": "asc", "lines": [{"code": 63650, "units": 2}]}


def test_a_claim_reads_codes_and_modifiers_written_as_numbers():
    c = parse_claim({**GOOD, "lines": [{"code": 63650, "units": 2, "modifiers": [58, " xs"]}]})
    assert c.lines[0].code == "63650" and c.lines[0].modifiers == ["58", "XS"]


def test_a_line_takes_the_claims_place_of_service_unless_it_has_its_own():
    c = parse_claim({**GOOD, "lines": [{"code": "63650"}, {"code": "63685", "place_of_service": "hopd"}]})
    assert [ln.place_of_service for ln in c.service_lines()] == ["asc", "hopd"]


@pytest.mark.parametrize(("data", "where"), [
    ({**GOOD, "lines": []}, "$.lines"),
    ({**GOOD, "lines": [{"code": "63650", "units": 0}]}, "$.lines[0].units"),
    ({**GOOD, "date_of_service": "someday"}, "$.date_of_service"),
    ({**GOOD, "place_of_service": "car park"}, "$.place_of_service"),
    ({**GOOD, "surprise": 1}, "$.surprise"),
    ({k: v for k, v in GOOD.items() if k != "place_of_service"}, "$.lines[0].place_of_service"),
])
def test_a_bad_claim_names_the_json_path(data, where):
    with pytest.raises(ClaimError) as err:
        parse_claim(data)
    assert where in [p.where for p in err.value.problems]


def test_a_claim_file_that_is_not_json_is_a_claim_error(tmp_path):
    path = tmp_path / "c.json"
    path.write_text("{nope", encoding="utf-8")
    with pytest.raises(ClaimError, match="not JSON"):
        load_claim(path)


def test_a_claim_for_another_case_is_refused():
    c = parse_claim({**GOOD, "case_id": "someone-else"})
    with pytest.raises(ClaimError, match="another case"):
        check_claim(trialled().case(), c)


def test_a_code_neither_scs_nor_em_is_an_input_error():
    # 77003 used to be the example here; it is now a known claim-only (imaging guidance) code
    with pytest.raises(UnknownCode):
        check(trialled().case(), claim(DOS, "63650x2:permanent", "62321"))


def test_the_line_outcome_is_the_worst_of_gate_and_edits():
    case = trialled().implanted(DOS).case()
    result = check(case, claim(DOS, "63650x2:permanent", line("63685", modifiers=["RT"]), "95972"))
    assert result.for_code("63650").outcome.value == "approve"
    gen = result.for_code("63685")
    assert gen.gate is not None and gen.gate.outcome.value == "approve" and gen.outcome.value == "deny"
    assert not gen.requires_clinical_review and gen.todo[0].startswith("correct the claim: ")
    prog = result.for_code("95972")
    assert prog.gate is not None and prog.gate.outcome.value == "deny" and prog.requires_clinical_review
    assert prog.todo[-1].startswith("clinical review: ")
    assert result.outcome.value == "deny"


def test_a_clean_claim_is_approved_line_by_line():
    case = trialled().implanted(DOS).case()
    result = check(case, claim(DOS, line("63650x2:permanent", contacts=16), line("63685", pocket="P1")))
    assert [(ln.code, ln.outcome.value, ln.edits, ln.reconciliation) for ln in result.lines] == [
        ("63650", "approve", [], []), ("63685", "approve", [], [])]
    assert result.outcome.value == "approve" and result.pathway_state == "trial_succeeded"


def test_every_edit_of_the_policy_is_listed_as_checked_or_switched_off():
    result = check(trialled().case(), claim(DOS, "63650x2:permanent"), policy="aetna")
    assert "mue" in result.edits_checked and "lead_limit_units" in result.edits_switched_off


def test_the_same_claim_gives_the_same_bytes():
    case = load_case("examples/claims/case-fbss-hopd.json")
    c = load_claim("examples/claims/implant-in-trial-global.json")
    assert check_claim(case, c).model_dump_json() == check_claim(case, c).model_dump_json()
    assert json.loads(check_claim(case, c).model_dump_json())["lines"][3]["gate"] is None


def test_a_finding_carries_its_citation_and_whether_it_was_verified():
    result = check(trialled().case(), claim(DOS, "63650x3:permanent"))
    f = next(f for f in result.for_code("63650").edits if f.edit == "mue")
    assert (f.confidence, f.verified, f.kind) == ("M", False, "max_units") and "MUE" in f.citation
    assert "mue" in fired(result, "63650")
