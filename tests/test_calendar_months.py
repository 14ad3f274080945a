""""N months" is calendar months from the start date (scs_workflow/model/windows.py, design choice D).

2024-02-10 plus 6 months is 2024-08-10: an episode 2024-02-10..2024-08-09 is 5 months, one
that reaches 2024-08-10 is 6. A start day the target month lacks is clamped to that month's
last day (python-dateutil's relativedelta): Jan 31 + 1 month = Feb 29 in 2024, Feb 28 in 2023.
"""

from __future__ import annotations

import datetime as dt

import pytest
from casebuilder import TRIAL_DAY, D, Patient
from hypothesis import given
from hypothesis import strategies as st

from scs_workflow.model.windows import add_months, months_between

ADD = [
    # start,          months, result
    (D(2024, 2, 10), 6, D(2024, 8, 10)),   # the example
    (D(2024, 1, 31), 1, D(2024, 2, 29)),   # month end, leap year
    (D(2023, 1, 31), 1, D(2023, 2, 28)),   # month end, common year
    (D(2024, 1, 30), 1, D(2024, 2, 29)),
    (D(2024, 3, 31), 1, D(2024, 4, 30)),   # 31 -> a 30-day month
    (D(2024, 8, 31), 6, D(2025, 2, 28)),   # Aug 31 + 6 months, across the year
    (D(2023, 8, 31), 6, D(2024, 2, 29)),   # ... into a leap February
    (D(2024, 12, 31), 1, D(2025, 1, 31)),  # Dec 31 across the year
    (D(2024, 12, 31), 2, D(2025, 2, 28)),
    (D(2024, 12, 31), 6, D(2025, 6, 30)),
    (D(2024, 7, 15), 6, D(2025, 1, 15)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),  # leap day + a year
    (D(2024, 2, 29), 48, D(2028, 2, 29)),
    (D(2024, 3, 31), -1, D(2024, 2, 29)),  # backwards too
    (D(2024, 5, 17), 0, D(2024, 5, 17)),
]


@pytest.mark.parametrize(("start", "months", "result"), ADD)
def test_add_months(start: dt.date, months: int, result: dt.date) -> None:
    assert add_months(start, months) == result


BETWEEN = [
    # start,          end,             whole months
    (D(2024, 2, 10), D(2024, 8, 9), 5),    # one day short of six months: NOT six
    (D(2024, 2, 10), D(2024, 8, 10), 6),   # six
    (D(2024, 2, 10), D(2024, 9, 9), 6),
    (D(2024, 1, 31), D(2024, 2, 28), 0),
    (D(2024, 1, 31), D(2024, 2, 29), 1),   # Jan 31 + 1 month = Feb 29 in 2024
    (D(2023, 1, 31), D(2023, 2, 28), 1),   # ... and Feb 28 in 2023
    (D(2023, 1, 31), D(2023, 2, 27), 0),
    (D(2024, 8, 31), D(2025, 2, 27), 5),
    (D(2024, 8, 31), D(2025, 2, 28), 6),   # Aug 31 + 6 months = Feb 28
    (D(2024, 12, 31), D(2025, 6, 29), 5),
    (D(2024, 12, 31), D(2025, 6, 30), 6),  # Dec 31 across the year
    (D(2025, 1, 15), D(2025, 7, 14), 5),
    (D(2025, 1, 15), D(2025, 7, 15), 6),
    (D(2024, 2, 29), D(2025, 2, 27), 11),
    (D(2024, 2, 29), D(2025, 2, 28), 12),  # a leap day's anniversary
    (D(2025, 3, 2), D(2026, 3, 1), 11),
    (D(2025, 3, 2), D(2026, 3, 2), 12),
    (D(2024, 5, 17), D(2024, 5, 17), 0),   # the same day
    (D(2024, 5, 17), D(2024, 5, 16), 0),   # end before start
]


@pytest.mark.parametrize(("start", "end", "months"), BETWEEN)
def test_months_between(start: dt.date, end: dt.date, months: int) -> None:
    assert months_between(start, end) == months


@given(st.dates(dt.date(1900, 1, 1), dt.date(2090, 12, 31)), st.integers(1, 120))
def test_n_months_are_reached_on_the_day_add_months_gives_and_not_a_day_before(start: dt.date, n: int) -> None:
    reached = add_months(start, n)
    assert months_between(start, reached) == n
    assert months_between(start, reached - dt.timedelta(days=1)) == n - 1


def _aetna_with_care(start: dt.date, end: dt.date) -> Patient:
    return (Patient("aetna").fbss()
            .event("conservative_therapy", end, kind="physical_therapy", start=start, end=end, weeks=12,
                   in_person=True, physician_supervised=True, outcome="failed")
            .screened())


def test_no_false_approval_six_months_minus_one_day(decide_one) -> None:
    d = decide_one(_aetna_with_care(D(2025, 2, 10), D(2025, 8, 9)).case(), "63650", TRIAL_DAY)
    care = next(c for c in d.criteria if c.id == "conservative_care")
    assert d.outcome.value == "deny" and care.status.value == "not_met" and "5 (needs ≥ 6)" in care.message


def test_six_calendar_months_from_the_start_date_is_enough(decide_one) -> None:
    d = decide_one(_aetna_with_care(D(2025, 2, 10), D(2025, 8, 10)).case(), "63650", TRIAL_DAY)
    assert d.outcome.value == "approve"


def test_no_false_approval_neuropathic_pain_one_day_short_of_12_months(decide_one) -> None:
    # Aetna's neuropathic category: pain for >= 12 months; the trial day is 2026-03-02
    def case(onset: dt.date) -> Patient:
        return Patient("aetna").diagnosis("E11.42", onset).conservative_care().screened(pain=6)

    assert decide_one(case(D(2025, 3, 3)).case(), "63650", TRIAL_DAY).outcome.value == "deny"
    assert decide_one(case(D(2025, 3, 2)).case(), "63650", TRIAL_DAY).outcome.value == "approve"
