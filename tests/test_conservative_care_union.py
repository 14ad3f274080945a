""""At least 6 months of conservative care that failed" is the time the failed care covers.

Aetna CPB 0194 (6 months) and eviCore CMM-211 for Cigna (6 months, physician-supervised) are
measured on the union of the intervals of the therapies that failed, gave only partial relief,
or are ongoing (up to the date of the decision); an episode that ended "improved" is care that
worked and a contraindicated one was never tried. Gaps between therapies are not care. Several
disjoint blocks make N months only when their days add up to the longest N calendar months can
be (184 days for 6): the count never approves on less than N calendar months of care.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from casebuilder import TRIAL_DAY, D, Patient
from hypothesis import given, settings
from hypothesis import strategies as st

from scs_workflow import Engine
from scs_workflow.model.facts import CaseView, Facts
from scs_workflow.model.windows import add_months, longest_months_in_days, merge_blocks, months_between, months_covered

PACKS = [("aetna", "conservative_care", "conservative_care_months"),
         ("cigna", "conservative_care", "supervised_conservative_care_months")]


def therapy(p: Patient, start: dt.date, end: dt.date | None, outcome: str = "failed",
            kind: str = "physical_therapy", *, supervised: bool = True) -> Patient:
    return p.event("conservative_therapy", end or start, kind=kind, start=start, end=end, weeks=12,
                   in_person=True, physician_supervised=supervised, outcome=outcome)


def candidate(policy: str, *spans: tuple[Any, ...]) -> Patient:
    p = Patient(policy).fbss()
    for span in spans:
        therapy(p, *span)
    return p.screened()


def trial_decision(decide_one: Any, p: Patient) -> Any:
    return decide_one(p.case(), "63650", TRIAL_DAY, waveform="tonic")  # Cigna pends an unstated mode


def months_fact(p: Patient, name: str, on: dt.date = TRIAL_DAY) -> Any:
    return Facts(CaseView(p.case()), on).get(name).value


# --- the false approvals of the span from the first start to the last end --------------------


@pytest.mark.parametrize(("policy", "rule", "fact"), PACKS)
def test_no_false_approval_two_one_day_treatments_six_months_apart(decide_one, policy, rule, fact):
    p = candidate(policy, (D(2025, 3, 1), D(2025, 3, 1)), (D(2025, 9, 1), D(2025, 9, 1), "failed", "medication"))
    d = trial_decision(decide_one, p)
    assert d.outcome.value != "approve"
    assert next(c for c in d.criteria if c.id == rule).status.value == "not_met"
    assert months_fact(p, fact) == 0


@pytest.mark.parametrize(("policy", "rule", "fact"), PACKS)
def test_no_false_approval_improved_episode_is_not_failed_care(decide_one, policy, rule, fact):
    # a year of physical therapy that helped, then two months of a medication that did not
    p = candidate(policy, (D(2024, 10, 1), D(2025, 10, 1), "improved"),
                  (D(2025, 10, 1), D(2025, 12, 1), "failed", "medication"))
    d = trial_decision(decide_one, p)
    assert d.outcome.value != "approve"
    assert next(c for c in d.criteria if c.id == rule).status.value == "not_met"
    assert months_fact(p, fact) == 2


@pytest.mark.parametrize(("policy", "rule", "fact"), PACKS)
def test_no_false_approval_six_months_minus_one_day(decide_one, policy, rule, fact):
    p = candidate(policy, (D(2025, 6, 10), D(2025, 12, 9)))
    d = trial_decision(decide_one, p)
    assert d.outcome.value == "deny" and months_fact(p, fact) == 5
    assert next(c for c in d.criteria if c.id == rule).status.value == "not_met"


@pytest.mark.parametrize(("policy", "rule", "fact"), PACKS)
def test_exactly_six_calendar_months_is_enough(decide_one, policy, rule, fact):
    p = candidate(policy, (D(2025, 6, 10), D(2025, 12, 10)))
    assert trial_decision(decide_one, p).outcome.value == "approve" and months_fact(p, fact) == 6


@pytest.mark.parametrize(("policy", "rule", "fact"), PACKS)
def test_no_false_approval_gaps_between_therapies_are_not_care(decide_one, policy, rule, fact):
    # Jan-Mar and May-Jul: seven months from first start to last end, 89 + 91 = 180 days of care
    p = candidate(policy, (D(2025, 1, 1), D(2025, 3, 31)), (D(2025, 5, 1), D(2025, 7, 31), "failed", "medication"))
    assert months_fact(p, fact) == 5
    assert trial_decision(decide_one, p).outcome.value == "deny"


@pytest.mark.parametrize(("policy", "rule", "fact"), PACKS)
def test_disjoint_blocks_of_184_days_are_six_months_183_are_not(decide_one, policy, rule, fact):
    enough = candidate(policy, (D(2025, 1, 1), D(2025, 3, 31)),  # 89 days
                       (D(2025, 5, 1), D(2025, 8, 3), "failed", "medication"))  # 94 days more: 183
    assert months_fact(enough, fact) == 5 and trial_decision(decide_one, enough).outcome.value == "deny"
    enough = candidate(policy, (D(2025, 1, 1), D(2025, 3, 31)),
                       (D(2025, 5, 1), D(2025, 8, 4), "failed", "medication"))  # 184
    assert months_fact(enough, fact) == 6 and trial_decision(decide_one, enough).outcome.value == "approve"


@pytest.mark.parametrize(("policy", "rule", "fact"), PACKS)
def test_overlapping_and_back_to_back_therapies_are_one_stretch_of_care(decide_one, policy, rule, fact):
    overlapping = candidate(policy, (D(2025, 1, 10), D(2025, 5, 31)),
                            (D(2025, 3, 1), D(2025, 7, 10), "partial_relief", "medication"))
    assert months_fact(overlapping, fact) == 6
    assert trial_decision(decide_one, overlapping).outcome.value == "approve"
    back_to_back = candidate(policy, (D(2025, 1, 10), D(2025, 3, 31)),
                             (D(2025, 4, 1), D(2025, 7, 10), "failed", "medication"))
    assert months_fact(back_to_back, fact) == 6
    one_day_gap = candidate(policy, (D(2025, 1, 10), D(2025, 3, 31)),
                            (D(2025, 4, 2), D(2025, 7, 10), "failed", "medication"))
    assert months_fact(one_day_gap, fact) == 5


@pytest.mark.parametrize(("policy", "rule", "fact"), PACKS)
def test_ongoing_care_counts_up_to_the_decision_date(decide_one, policy, rule, fact):
    # ongoing since 2025-09-02: six months on 2026-03-02, not on 2026-03-01
    six = candidate(policy, (D(2025, 9, 2), None, "ongoing"))
    assert months_fact(six, fact, D(2026, 3, 2)) == 6
    assert months_fact(six, fact, D(2026, 3, 1)) == 5
    short = candidate(policy, (D(2025, 9, 3), None, "ongoing"), (D(2025, 9, 3), D(2025, 9, 20), "failed", "medication"))
    d = trial_decision(decide_one, short)
    assert months_fact(short, fact) == 5 and d.outcome.value != "approve"


def test_care_after_the_decision_date_does_not_count():
    p = candidate("aetna", (D(2025, 9, 2), D(2026, 6, 30)))  # a course planned to run past the trial day
    assert months_fact(p, "conservative_care_months", D(2026, 7, 1)) == 9
    assert months_fact(p, "conservative_care_months", D(2026, 3, 1)) is None  # recorded (dated) 2026-06-30


def test_contraindicated_therapy_has_no_duration():
    p = candidate("aetna", (D(2024, 1, 1), D(2025, 12, 1), "contraindicated"))
    assert months_fact(p, "conservative_care_months") is None


def test_unsupervised_care_does_not_count_for_cigna():
    p = Patient("cigna").fbss()
    therapy(p, D(2024, 1, 1), D(2025, 12, 1), supervised=False)
    therapy(p, D(2025, 9, 1), D(2025, 12, 1))
    assert months_fact(p, "supervised_conservative_care_months") == 3
    assert months_fact(p, "conservative_care_months") == 23


@pytest.mark.parametrize(("policy", "rule", "fact"), PACKS)
def test_unknown_pends_a_failed_therapy_without_an_end_date(decide_one, policy, rule, fact):
    # failed since 2025-10-01, end not recorded: anywhere from 0 to 5 months - unknown, so pend for the dates
    p = candidate(policy, (D(2025, 10, 1), None, "failed"))
    assert months_fact(p, fact) is None
    d = trial_decision(decide_one, p)
    assert d.outcome.value == "pend"
    assert next(c for c in d.criteria if c.id == rule).status.value == "insufficient"
    # when the missing end cannot change the count, the count stands
    q = candidate(policy, (D(2025, 1, 1), D(2026, 3, 1)), (D(2026, 2, 1), None, "failed", "medication"))
    assert months_fact(q, fact) == 14


# --- the measure itself ---------------------------------------------------------------------

blocks = st.lists(st.tuples(st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31)), st.integers(0, 400)),
                  max_size=6).map(lambda bs: [(s, s + dt.timedelta(days=n)) for s, n in bs])


@settings(deadline=None)
@given(blocks)
def test_months_covered_never_exceeds_the_days_of_care(bs: list[tuple[dt.date, dt.date]]) -> None:
    """N months of care are at least as many days as N calendar months from some start."""
    merged = merge_blocks(bs)
    days = sum((e - s).days for s, e in merged)
    months = months_covered(bs)
    assert months == 0 or any((add_months(s, months) - s).days <= days for s, _ in merged)
    assert months <= months_between(min((s for s, _ in bs), default=dt.date(2020, 1, 1)),
                                    max((e for _, e in bs), default=dt.date(2020, 1, 1)))


@settings(deadline=None)
@given(blocks, blocks)
def test_more_care_never_lowers_the_count(a: list[tuple[dt.date, dt.date]], b: list[tuple[dt.date, dt.date]]) -> None:
    assert months_covered(a + b) >= months_covered(a)


def test_longest_calendar_months_in_days():
    assert [longest_months_in_days(n) for n in (30, 31, 61, 62, 183, 184, 365, 366)] == [0, 1, 1, 2, 5, 6, 11, 12]


def test_the_seed_examples_still_have_enough_care():
    from pathlib import Path

    from scs_workflow import load_case

    examples = Path(__file__).parent.parent / "examples"
    for name in ("clbp-to-trial.json", "crps-candidate.json", "fbss-strong-trial.json"):
        case = load_case(examples / name)
        months = Facts(CaseView(case), D(2026, 1, 1)).get("conservative_care_months").value
        assert months is not None and months >= 6, name
    assert Engine  # the examples' decisions are checked in test_examples.py
