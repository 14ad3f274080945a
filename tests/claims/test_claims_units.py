"""Units: leads and contacts (A56876), one unit per array, MUE, lifetime trial and paddle limits."""

from __future__ import annotations

from casebuilder import DOS, D, trial_candidate
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import check, claim, finding, fired, line
from .scenarios import LATER, implanted, trialled, two_trials


def test_two_leads_of_63650_are_paid():
    assert "lead_limit_units" not in fired(check(trialled().case(), claim(DOS, "63650x2:permanent")), "63650")


def test_three_leads_of_63650_are_not():
    result = check(trialled().case(), claim(DOS, "63650x3:permanent"))
    f = finding(result, "63650", "lead_limit_units")
    assert f.outcome == "deny" and f.action == "correct_claim" and "A56876" in f.citation and f.verified
    assert "3 units" in f.message and "at most 2" in f.message


def test_leads_count_across_lines_and_the_line_that_passes_the_limit_is_flagged():
    c = claim(DOS, "63650:permanent", line("63650:permanent", modifiers=["59"]), line("63650:permanent",
                                                                                     modifiers=["59"]))
    result = check(trialled().case(), c)
    assert [("lead_limit_units" in fired(result, "63650", n=i)) for i in range(3)] == [False, False, True]


def test_16_contacts_are_paid():
    c = claim(DOS, line("63650x2:permanent", contacts=16))
    assert "lead_limit_contacts" not in fired(check(trialled().case(), c), "63650")


def test_17_contacts_are_not():
    c = claim(DOS, line("63650x2:permanent", contacts=17))
    assert "lead_limit_contacts" in fired(check(trialled().case(), c), "63650")


@settings(max_examples=40, deadline=None)
@given(leads=st.integers(1, 6), contacts=st.integers(0, 40))
def test_the_lead_and_contact_limits_fire_exactly_above_2_and_16(leads, contacts):
    result = check(trialled().case(), claim(DOS, line(f"63650x{leads}:permanent", contacts=contacts)))
    got = fired(result, "63650")
    assert ("lead_limit_units" in got) == (leads > 2)
    assert ("lead_limit_contacts" in got) == (contacts > 16)
    assert ("mue" in got) == (leads > 2)


def test_63650_units_equal_the_arrays_of_the_implant_that_day():
    case = trialled().implanted(DOS).case()  # two arrays documented
    assert "units_count_arrays" not in fired(check(case, claim(DOS, "63650x2:permanent", "63685")), "63650")
    f = finding(check(case, claim(DOS, "63650:permanent", "63685")), "63650", "units_count_arrays")
    assert "1 unit" in f.message and "2 arrays" in f.message


def test_a_paddle_implant_is_not_counted_as_63650_arrays():
    case = trialled().implanted(DOS, approach="paddle").case()
    assert "units_count_arrays" not in fired(check(case, claim(DOS, "63650:permanent")), "63650")


def test_mue_one_generator_revision_per_day():
    assert "mue" not in fired(check(implanted().case(), claim(LATER, "63688")), "63688")
    assert "mue" in fired(check(implanted().case(), claim(LATER, "63688x2")), "63688")


def test_a_second_trial_in_a_region_is_allowed():
    p = trial_candidate()
    p.trial(start=D(2025, 3, 2), leads=1)
    c = claim(DOS, line("63650:trial", region="thoracic"))
    assert "trials_per_region" not in fired(check(p.case(), c), "63650")


def test_a_third_trial_in_a_region_is_not():
    c = claim(DOS, line("63650:trial", region="thoracic"))
    f = finding(check(two_trials((1, 1), ("thoracic", "thoracic")).case(), c), "63650", "trials_per_region")
    assert "3 procedures in the thoracic region" in f.message and f.outcome == "deny"


def test_a_third_trial_in_another_region_is_allowed():
    c = claim(DOS, line("63650:trial", region="cervical"))
    assert "trials_per_region" not in fired(check(two_trials((1, 1), ("thoracic", "thoracic")).case(), c), "63650")


def test_the_trial_region_defaults_to_the_trial_recorded_that_day():
    p = two_trials((1, 1), ("thoracic", "thoracic"))
    p.trial(start=DOS, leads=1, region="thoracic")
    assert "trials_per_region" in fired(check(p.case(), claim(DOS, "63650:trial")), "63650")


def test_a_technical_failure_turns_the_trial_limit_into_a_pend_for_documentation():
    p = trial_candidate()  # two trials the pathway accepts: both failed for technical reasons
    p.trial(start=D(2025, 3, 2), leads=1, technical_failure=True)
    p.trial(start=D(2025, 9, 1), leads=1, technical_failure=True)
    f = finding(check(p.case(), claim(DOS, line("63650:trial", region="thoracic"))), "63650", "trials_per_region")
    assert f.outcome == "pend" and f.action == "send_documentation" and "technical failure" in f.message


def test_four_trial_units_in_a_lifetime_are_allowed():
    c = claim(DOS, line("63650:trial", region="thoracic"))
    case = two_trials((2, 1), ("thoracic", "lumbar")).case()  # 3 units before, 1 now
    assert "trial_units_lifetime" not in fired(check(case, c), "63650")


def test_a_fifth_trial_unit_is_not():
    c = claim(DOS, line("63650:trial", region="thoracic"))
    case = two_trials((2, 2), ("thoracic", "lumbar")).case()
    assert "5 units" in finding(check(case, c), "63650", "trial_units_lifetime").message


def test_no_repeat_trial_after_a_failed_one():
    """One definition: the gate's repeat_trial_justified criterion (A56876); no edit states it again."""
    case = trial_candidate().trial(pain=(8, 6)).case()
    ln = check(case, claim(DOS, "63650x2")).for_code("63650")
    assert ln.gate is not None and ln.gate.use == "repeat_trial" and ln.outcome.value == "pend"
    assert [c.id for c in ln.gate.criteria if c.status.value != "met"] == ["repeat_trial_justified"]
    assert ln.edits == [] and not ln.requires_clinical_review


def test_a_repeat_trial_with_extenuating_circumstances_documented_passes():
    p = trial_candidate().trial(pain=(8, 6))
    p.event("attestation", D(2026, 3, 20), kind="extenuating_circumstances")
    assert check(p.case(), claim(DOS, "63650x2")).for_code("63650").outcome.value == "approve"


def test_a_new_trial_after_a_technical_failure_passes():
    case = trial_candidate().trial(technical_failure=True).case()
    ln = check(case, claim(DOS, "63650x2")).for_code("63650")
    assert ln.gate is not None and ln.gate.use == "trial" and ln.outcome.value == "approve"


def test_a_first_paddle_is_allowed_a_second_is_not():
    assert "paddle_once_per_lifetime" not in fired(check(trialled().case(), claim(DOS, "63655")), "63655")
    assert "paddle_once_per_lifetime" in fired(check(implanted("paddle").case(), claim(LATER, "63655")), "63655")


def test_percutaneous_leads_do_not_use_up_the_paddle():
    assert "paddle_once_per_lifetime" not in fired(check(implanted().case(), claim(LATER, "63655")), "63655")
