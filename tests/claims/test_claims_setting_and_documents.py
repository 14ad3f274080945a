"""Place of service (A56876, L37632) and the documentation of a performed implant."""

from __future__ import annotations

from casebuilder import DOS

from .conftest import check, claim, finding, fired
from .scenarios import LATER, implanted, trialled


def test_removal_and_revision_of_percutaneous_arrays_are_not_paid_in_the_office():
    result = check(implanted().case(), claim(LATER, "63661", pos="office"))
    assert "A56876" in finding(result, "63661", "removal_revision_not_in_office").citation
    assert "removal_revision_not_in_office" in fired(check(implanted().case(), claim(LATER, "63663", pos="office")),
                                                     "63663")


def test_removal_in_an_asc_is_paid():
    assert "removal_revision_not_in_office" not in fired(check(implanted().case(), claim(LATER, "63661")), "63661")


def test_a_permanent_implant_only_in_an_asc_or_hospital():
    for pos in ("asc", "hopd", "inpatient"):
        c = claim(DOS, "63650x2:permanent", pos=pos)
        assert "permanent_implant_in_facility" not in fired(check(trialled().case(), c), "63650"), pos
    f = finding(check(trialled().case(), claim(DOS, "63650x2:permanent", pos="office")), "63650",
                "permanent_implant_in_facility")
    assert "office" in f.message and "L37632" in f.citation


def test_a_trial_in_the_office_is_allowed():
    from casebuilder import TRIAL_DAY, trial_candidate

    result = check(trial_candidate().case(), claim(TRIAL_DAY, "63650x2", pos="office"))
    assert "permanent_implant_in_facility" not in fired(result, "63650")


def test_a_fully_documented_implant_passes():
    case = trialled().implanted(DOS).case()
    assert "implant_operative_report" not in fired(check(case, claim(DOS, "63650x2:permanent", "63685")), "63650")


def test_an_implant_without_impedances_pends_the_line():
    p = trialled().implanted(DOS)
    implant = next(e for e in p.data["events"] if e["type"] == "lead_implant")
    implant.pop("impedance_ohms")
    implant["postoperative_plan"] = False
    result = check(p.case(), claim(DOS, "63650x2:permanent", "63685"))
    f = finding(result, "63650", "implant_operative_report")
    assert f.outcome == "pend" and f.action == "send_documentation"
    assert "impedance measurements" in f.message and "post-operative plan" in f.message
    assert "location" not in f.message
    assert result.for_code("63650").outcome.value == "pend" and not result.for_code("63650").requires_clinical_review


def test_an_implant_not_recorded_on_the_case_pends_the_line():
    f = finding(check(trialled().case(), claim(DOS, "63655")), "63655", "implant_operative_report")
    assert "not on the case" in f.message


def test_a_generator_alone_needs_no_operative_report_of_the_leads():
    assert "implant_operative_report" not in fired(check(implanted().case(), claim(LATER, "63685")), "63685")
