"""Bundling: a code included in another billed at the same session, array, pocket or date."""

from __future__ import annotations

from casebuilder import DOS, TRIAL_DAY, trial_candidate

from .conftest import check, claim, finding, fired, line
from .scenarios import LATER, implanted, trialled


def test_analysis_is_bundled_into_programming_at_the_same_session():
    f = finding(check(implanted().case(), claim(LATER, "95970", "95971")), "95970", "analysis_with_programming")
    assert "included in 95971 (line 2)" in f.message and "remove line 1" in f.message


def test_analysis_and_programming_at_two_sessions_are_not_bundled():
    c = claim(LATER, line("95970", session="am"), line("95972", session="pm"))
    assert "analysis_with_programming" not in fired(check(implanted().case(), c), "95970")


def test_programming_alone_is_not_bundled():
    assert fired(check(implanted().case(), claim(LATER, "95972")), "95972") == set()


def test_revision_includes_removal_of_the_same_array():
    f = finding(check(implanted().case(), claim(LATER, "63661", "63663")), "63661", "perc_revision_includes_removal")
    assert "no array ids on the lines" in f.message


def test_revision_and_removal_of_different_arrays_are_both_paid():
    c = claim(LATER, line("63661", array="left"), line("63663", array="right"))
    assert "perc_revision_includes_removal" not in fired(check(implanted().case(), c), "63661")


def test_modifier_59_marks_a_distinct_array():
    c = claim(LATER, line("63661", modifiers=["59"]), "63663")
    assert "perc_revision_includes_removal" not in fired(check(implanted().case(), c), "63661")


def test_paddle_revision_includes_removal_of_the_same_paddle():
    c = claim(LATER, line("63662", array="P"), line("63664", array="P"))
    assert "paddle_revision_includes_removal" in fired(check(implanted("paddle").case(), c), "63662")


def test_generator_replacement_includes_removal_in_the_same_pocket():
    c = claim(LATER, line("63688", pocket="buttock"), line("63685", pocket="buttock"))
    assert "generator_replacement_includes_removal" in fired(check(implanted().case(), c), "63688")


def test_generator_removal_from_another_pocket_is_paid():
    c = claim(LATER, line("63688", pocket="abdomen"), line("63685", pocket="buttock"))
    assert "generator_replacement_includes_removal" not in fired(check(implanted().case(), c), "63688")


def test_no_generator_on_a_trial_encounter():
    result = check(trial_candidate().case(), claim(TRIAL_DAY, "63650x2", "63685"))
    assert "no_generator_on_trial" in fired(result, "63685")
    assert result.for_code("63650").gate is not None and result.for_code("63650").gate.use == "trial"


def test_no_generator_on_a_day_the_case_records_a_trial():
    case = trial_candidate().trial(start=TRIAL_DAY).case()
    assert "no_generator_on_trial" in fired(check(case, claim(TRIAL_DAY, "63685")), "63685")


def test_generator_with_a_permanent_implant_is_paid():
    result = check(trialled().case(), claim(DOS, "63650x2:permanent", "63685"))
    assert "no_generator_on_trial" not in fired(result, "63685")


def test_integrated_system_is_not_billed_with_63650_or_63685():
    result = check(trialled().case(), claim(DOS, "0784T", "63650x2:permanent", "63685"))
    assert "integrated_replaces_conventional" in fired(result, "63650")
    assert "integrated_replaces_conventional" in fired(result, "63685")
    assert "integrated_replaces_conventional" not in fired(result, "0784T")


def test_programming_on_the_implant_day_is_test_stimulation():
    result = check(trialled().case(), claim(DOS, "63650x2:permanent", "63685", "95972"))
    assert "test_stimulation_part_of_placement" in fired(result, "95972")


def test_programming_the_day_after_the_implant_is_not_test_stimulation():
    case = trialled().implanted(DOS).case()
    next_day = DOS.replace(day=DOS.day + 1)
    assert "test_stimulation_part_of_placement" not in fired(check(case, claim(next_day, "95972")), "95972")
