"""Every time window on both sides of its ends, as scs_workflow/model/windows.py states them."""

from __future__ import annotations

import datetime as dt

import pytest
from casebuilder import DOS, D, Patient

from scs_workflow.model.windows import (
    days_between,
    global_end,
    interval_elapsed,
    trial_length_days,
    trial_length_hours,
    valid_on,
    valid_through,
    within_days,
    within_global,
)

T0 = dt.datetime(2026, 3, 2, 8, 0)
MINUTE = dt.timedelta(minutes=1)


def test_days_between_counts_the_start_as_day_0():
    assert days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert days_between(D(2026, 3, 2), D(2026, 3, 3)) == 1
    assert days_between(D(2026, 3, 2), D(2026, 3, 1)) == -1
    assert days_between(D(2024, 2, 28), D(2024, 3, 1)) == 2  # leap day


def test_within_days_includes_both_ends():
    start = D(2026, 4, 6)
    assert not within_days(start, start - dt.timedelta(days=1), 30)
    assert within_days(start, start, 30)
    assert within_days(start, D(2026, 5, 6), 30)  # day 30: still the first month after implant
    assert not within_days(start, D(2026, 5, 7), 30)  # day 31


# --- trial length: Aetna 3-7 days (both ends in), Cigna more than 48 hours (48:00 out) ---------


def test_trial_length_in_hours_and_days():
    assert trial_length_hours(T0, T0 + dt.timedelta(hours=48)) == 48.0
    assert trial_length_hours(T0, T0 + dt.timedelta(hours=48) + MINUTE) == pytest.approx(48.0167, abs=1e-4)
    assert trial_length_days(T0, T0 + dt.timedelta(hours=72)) == 3.0
    assert trial_length_days(T0, T0 + dt.timedelta(hours=72) - MINUTE) < 3


def test_trial_length_with_offsets_is_the_real_elapsed_time():
    # Europe/Berlin summer time starts on 2026-03-29: 08:00+01:00 to 08:00+02:00 is 47 hours
    began = dt.datetime(2026, 3, 27, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    ended = dt.datetime(2026, 3, 29, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert trial_length_hours(began, ended) == 47.0


def aetna_trial(hours: float) -> Patient:
    return Patient("aetna").fbss().conservative_care().screened().trial(hours=hours, pain=(8, 2))


def cigna_trial(hours: float) -> Patient:
    return Patient("cigna").fbss().conservative_care().screened().trial(hours=hours, pain=(8, 2))


@pytest.mark.parametrize(("hours", "outcome"), [
    (72 - 1 / 60, "deny"), (72, "approve"),      # 3 days, to the minute
    (168, "approve"), (168 + 1 / 60, "deny"),    # 7 days, to the minute
])
def test_aetna_trial_of_3_to_7_days_both_ends_in(decide_one, hours, outcome):
    d = decide_one(aetna_trial(hours).case(), "63650:permanent", DOS)
    assert d.outcome.value == outcome
    assert next(c for c in d.criteria if c.id == "trial_length").status.value == (
        "met" if outcome == "approve" else "not_met")


@pytest.mark.parametrize(("hours", "outcome"), [(48, "deny"), (48 + 1 / 60, "approve")])
def test_cigna_trial_of_more_than_48_hours_48_is_out(decide_one, hours, outcome):
    assert decide_one(cigna_trial(hours).case(), "63650:permanent", DOS, waveform="tonic").outcome.value == outcome


# --- programming at most once per 30 days (A56876) -------------------------------------------


def test_programming_interval_day_29_is_too_soon_day_30_is_allowed():
    last = D(2026, 6, 1)
    assert not interval_elapsed(last, D(2026, 6, 30), 30)
    assert interval_elapsed(last, D(2026, 7, 1), 30)


# --- global periods: day 0 = surgery, a 10-day global ends on day 10 --------------------------


def test_global_period_day_0_is_the_surgery_day_10_the_last():
    surgery = D(2026, 3, 2)
    assert global_end(surgery, 10) == D(2026, 3, 12)
    assert not within_global(surgery, D(2026, 3, 1), 10)
    assert within_global(surgery, surgery, 10)
    assert within_global(surgery, D(2026, 3, 12), 10)
    assert not within_global(surgery, D(2026, 3, 13), 10)
    assert within_global(surgery, D(2026, 5, 31), 90) and not within_global(surgery, D(2026, 6, 1), 90)


# --- authorization validity: OPD UTN 120 days, the decision date is day 0 ---------------------


def test_opd_utn_is_valid_through_day_120():
    decided = D(2026, 1, 5)
    assert valid_through(decided, 120) == D(2026, 5, 5)
    assert valid_on(decided, D(2026, 5, 5), 120)
    assert not valid_on(decided, D(2026, 5, 6), 120)
    assert valid_on(decided, decided, 120)
    assert not valid_on(decided, D(2026, 1, 4), 120)  # before the decision


def test_the_module_examples_run():
    import doctest

    import scs_workflow.model.windows

    failures, tried = doctest.testmod(scs_workflow.model.windows)
    assert failures == 0 and tried >= 4
