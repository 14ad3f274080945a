"""Global periods: day 0 is the day of surgery; a 10-day global ends on day 10, a 90-day one on day 90."""

from __future__ import annotations

import datetime as dt

from casebuilder import TRIAL_DAY, D
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import check, claim, finding, fired, line
from .scenarios import IMPLANT, implanted, trialled


def on_day(n: int, start: dt.date = TRIAL_DAY) -> dt.date:
    return start + dt.timedelta(days=n)


def test_permanent_implant_on_day_10_of_trial_global_needs_modifier_58():
    result = check(trialled().case(), claim(on_day(10), "63650x2:permanent", "63685"))
    f = finding(result, "63650", "staged_implant_in_trial_global")
    assert "day 10 of the 10-day global" in f.message and "add modifier 58" in f.message
    assert "staged_implant_in_trial_global" in fired(result, "63685")


def test_permanent_implant_on_day_11_is_outside_the_trial_global():
    result = check(trialled().case(), claim(on_day(11), "63650x2:permanent", "63685"))
    assert "staged_implant_in_trial_global" not in fired(result, "63650") | fired(result, "63685")


def test_modifier_58_satisfies_the_staged_implant_edit():
    c = claim(on_day(10), line("63650x2:permanent", modifiers=["58"]), line("63685", modifiers=[58]))
    result = check(trialled().case(), c)
    assert "staged_implant_in_trial_global" not in fired(result, "63650") | fired(result, "63685")


@settings(max_examples=30, deadline=None)
@given(day=st.integers(8, 40))
def test_modifier_58_is_needed_exactly_through_day_10(day):
    result = check(trialled().case(), claim(on_day(day), "63650x2:permanent"))
    assert ("staged_implant_in_trial_global" in fired(result, "63650")) == (day <= 10)


def test_return_for_a_complication_on_day_10_of_the_implant_global_needs_78():
    p = implanted().event("complication", on_day(3, IMPLANT), kind="lead_migration")
    f = finding(check(p.case(), claim(on_day(10, IMPLANT), "63663")), "63663", "complication_return_in_global")
    assert "day 10 of the 10-day global" in f.message and "after the complication" in f.message


def test_return_for_a_complication_on_day_11_is_outside_the_global():
    p = implanted().event("complication", on_day(3, IMPLANT), kind="lead_migration")
    assert "complication_return_in_global" not in fired(check(p.case(), claim(on_day(11, IMPLANT), "63663")), "63663")


def test_a_paddle_has_a_90_day_global_day_90_inside_day_91_outside():
    p = implanted("paddle").event("complication", on_day(60, IMPLANT), kind="infection")
    assert "complication_return_in_global" in fired(check(p.case(), claim(on_day(90, IMPLANT), "63664")), "63664")
    assert "complication_return_in_global" not in fired(check(p.case(), claim(on_day(91, IMPLANT), "63664")),
                                                        "63664")


def test_modifier_78_satisfies_the_complication_edit():
    p = implanted().event("complication", on_day(3, IMPLANT), kind="infection")
    c = claim(on_day(5, IMPLANT), line("63663", modifiers=["78"]))
    assert "complication_return_in_global" not in fired(check(p.case(), c), "63663")


def test_a_revision_in_the_global_without_a_complication_needs_no_78():
    assert "complication_return_in_global" not in fired(check(implanted().case(), claim(on_day(5, IMPLANT), "63663")),
                                                        "63663")


def test_em_on_the_day_of_a_10_day_surgery_needs_25():
    case = trialled().implanted(D(2026, 4, 1)).case()
    f = finding(check(case, claim(D(2026, 4, 1), "63650x2:permanent", "99213")), "99213", "em_on_surgery_day")
    assert "10-day global" in f.message and "add modifier 25" in f.message


def test_em_with_25_on_surgery_day_passes():
    case = trialled().implanted(D(2026, 4, 1)).case()
    c = claim(D(2026, 4, 1), "63650x2:permanent", line("99213", modifiers=["25"]))
    assert fired(check(case, c), "99213") == set()


def test_em_on_the_day_of_a_90_day_surgery_accepts_57():
    case = trialled().implanted(D(2026, 4, 1), approach="paddle").case()
    c = claim(D(2026, 4, 1), "63655", line("99204", modifiers=["57"]))
    assert "em_on_surgery_day" not in fired(check(case, c), "99204")


def test_57_is_not_enough_for_a_10_day_surgery():
    case = trialled().implanted(D(2026, 4, 1)).case()
    c = claim(D(2026, 4, 1), "63650x2:permanent", line("99204", modifiers=["57"]))
    assert "em_on_surgery_day" in fired(check(case, c), "99204")


def test_em_on_a_day_without_surgery_passes_and_has_no_gate():
    result = check(implanted().case(), claim(D(2026, 9, 1), "99213"))
    assert fired(result, "99213") == set() and result.lines[0].gate is None
    assert result.lines[0].outcome.value == "approve"


def test_em_on_the_day_of_a_surgery_recorded_on_the_case_is_flagged():
    case = trialled().implanted(D(2026, 4, 1)).case()  # the surgeon's claim is elsewhere
    assert "em_on_surgery_day" in fired(check(case, claim(D(2026, 4, 1), "99213")), "99213")


def test_laterality_modifiers_are_not_used():
    c = claim(D(2026, 4, 1), line("63650x2:permanent", modifiers=["RT"]), line("63685", modifiers=["50"]))
    result = check(trialled().case(), c)
    assert "no_laterality_modifiers" in fired(result, "63650") and "no_laterality_modifiers" in fired(result, "63685")
