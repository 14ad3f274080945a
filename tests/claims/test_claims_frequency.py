"""Programming frequency (A56876): at most once per 30 days after the first month after implant."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import check, claim, finding, fired
from .scenarios import IMPLANT, implanted

SESSION = dt.date(2026, 6, 1)  # 56 days after the implant


def after(days: int, start: dt.date = SESSION) -> dt.date:
    return start + dt.timedelta(days=days)


def test_programming_29_days_after_the_last_session_is_too_soon():
    case = implanted().programmed(SESSION).case()
    f = finding(check(case, claim(after(29), "95972")), "95972", "programming_once_per_30_days")
    assert "29 days before" in f.message and "at most one per 30 days" in f.message and f.verified


def test_programming_30_days_after_the_last_session_is_allowed():
    case = implanted().programmed(SESSION).case()
    assert "programming_once_per_30_days" not in fired(check(case, claim(after(30), "95972")), "95972")


def test_the_first_session_after_implant_is_allowed():
    assert "programming_once_per_30_days" not in fired(check(implanted().case(), claim(after(1, IMPLANT), "95972")),
                                                       "95972")


def test_sessions_in_the_first_month_after_implant_may_be_closer():
    case = implanted().programmed(after(14, IMPLANT)).case()
    assert "programming_once_per_30_days" not in fired(check(case, claim(after(30, IMPLANT), "95971")), "95971")


def test_on_day_31_after_implant_the_30_day_interval_applies():
    case = implanted().programmed(after(14, IMPLANT)).case()
    f = finding(check(case, claim(after(31, IMPLANT), "95971")), "95971", "programming_once_per_30_days")
    assert "31 days ago" in f.message


@settings(max_examples=40, deadline=None)
@given(gap=st.integers(1, 60))
def test_the_interval_edit_fires_exactly_below_30_days(gap):
    case = implanted().programmed(SESSION).case()
    assert ("programming_once_per_30_days" in fired(check(case, claim(after(gap), "95970")), "95970")) == (gap < 30)
