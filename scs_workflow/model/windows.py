"""Time windows: how the engine counts months, days and hours, stated once.

The numbers (6 months, 30 days, 120 days...) are policy parameters and live in the
YAML with their citations; *how* they are counted lives here. The facts count through
these functions, and so do the claim edits' global-period and authorization-validity
checks. Each window has a day 0 and says whether its ends are inside it:

=============================  ===================  =========================================  ==========
window                         day 0 / start        inside the window                          source
=============================  ===================  =========================================  ==========
N calendar months              the start date       ``add_months(start, N) <= end``:           D (below)
                                                    2024-02-10..2024-08-10 is 6 months,
                                                    2024-02-10..2024-08-09 is 5
conservative care (months)     each therapy's       union of the failed/ongoing therapies,     D
                               start                :func:`months_covered`
trial length (hours, days)     ``started_at``       elapsed clock time to ``ended_at``;        D
                                                    Aetna 3-7 days: ``3 <= days <= 7`` (both
                                                    ends in); Cigna "more than 48 hours":
                                                    ``hours > 48`` (48:00 is out)
programming interval           the last session     day 30 is allowed, day 29 is not           A56876
(once per 30 days)                                  (:func:`interval_elapsed`)
first month after implant      the implant day      days 0-30 are in it (:func:`within_days`)  A56876, D
global period (10 / 90 days)   the surgery day      days 0-10 are in a 10-day global, day 11   CMS global
                                                    is out (:func:`within_global`)             surgery
authorization validity         the decision date    day 0 through day 120 for an OPD UTN;      Palmetto,
(OPD UTN 120 days)                                  day 121 is out (:func:`valid_through`)     D
=============================  ===================  =========================================  ==========

**Trial length (design choice D)** is elapsed clock time, not calendar days: a trial placed
on Monday at 14:00 and removed on Thursday at 09:00 lasted 2.8 days, short of Aetna's 3.

**90-day globals**: CMS counts the day before the surgery too; the window here starts on
the day of surgery (day 0), as the claim edits have always done.

**Calendar months (design choice D).** None of the policies defines "N months"; we
read it as a person's age is read: *N* months after 2024-02-10 is 2024-08-10, and a
start date that has no match in the target month is clamped to that month's last
day, as python-dateutil's ``relativedelta`` does (2024-01-31 + 1 month = 2024-02-29,
2023-01-31 + 1 month = 2023-02-28). So an episode from *start* to *end* lasts *m*
whole months when ``add_months(start, m) <= end``::

    >>> import datetime as dt
    >>> add_months(dt.date(2024, 2, 10), 6)
    datetime.date(2024, 8, 10)
    >>> months_between(dt.date(2024, 2, 10), dt.date(2024, 8, 9))
    5
    >>> months_between(dt.date(2024, 2, 10), dt.date(2024, 8, 10))
    6
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache

from dateutil.relativedelta import relativedelta

Block = tuple[dt.date, dt.date]
"""A time span as (first day, last day), measured as the time elapsed from one to the other."""

_ONE_DAY = dt.timedelta(days=1)


# --- calendar months --------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """*day* plus *months* calendar months, clamped to the month's end (Jan 31 + 1 = Feb 28/29)."""
    out: dt.date = day + relativedelta(months=months)
    return out


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from *start* to *end*: the largest *m* with ``add_months(start, m) <= end``.

    0 when *end* is before *start*. 2024-02-10 to 2024-08-10 is 6; to 2024-08-09 it is 5.
    """
    if end < start:
        return 0
    span = relativedelta(end, start)
    months = span.years * 12 + span.months
    # relativedelta already answers the question; the loop guards the clamp at month ends
    while _reaches(start, months + 1, end):
        months += 1
    while months > 0 and not _reaches(start, months, end):
        months -= 1
    return months


def _reaches(start: dt.date, months: int, end: dt.date) -> bool:
    """``add_months(start, months) <= end``; past the last representable date it is not reached."""
    try:
        return add_months(start, months) <= end
    except (OverflowError, ValueError):
        return False


def merge_blocks(blocks: Iterable[Block]) -> list[Block]:
    """The union of *blocks* as disjoint blocks, in order.

    Blocks that overlap, or where one starts the day after the other ends (care that
    simply continues: a course ending on 03-31 and the next starting on 04-01), are one
    block. A bigger gap separates them, and the gap is not counted.
    """
    out: list[Block] = []
    for start, end in sorted(blocks):
        if out and start <= out[-1][1] + _ONE_DAY:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def months_covered(blocks: Iterable[Block]) -> int:
    """Whole calendar months covered by the union of *blocks*; it never over-counts (design choice D).

    - One block (after merging, see :func:`merge_blocks`) is measured on the calendar
      from its start, like any episode: :func:`months_between`.
    - Several disjoint blocks: their elapsed days are added up, and the total is *m*
      months only when it is at least the longest that *m* calendar months can be from
      any start date (6 months: 184 days; 12 months: 366 days) - see
      :func:`longest_months_in_days`. The answer is never less than the longest single
      block's own months, so adding care never lowers it.

    A block of one day (start = end) covers no time: two one-day treatments six months
    apart are 0 months of care.

    >>> import datetime as dt
    >>> months_covered([(dt.date(2024, 1, 1), dt.date(2024, 1, 1)), (dt.date(2024, 7, 1), dt.date(2024, 7, 1))])
    0
    """
    merged = merge_blocks(blocks)
    if not merged:
        return 0
    longest = max(months_between(start, end) for start, end in merged)
    if len(merged) == 1:
        return longest
    total = sum((end - start).days for start, end in merged)
    return max(longest, longest_months_in_days(total))


def longest_months_in_days(days: int, *, at_least: int = 0) -> int:
    """The most whole calendar months that *days* days surely hold, whatever the start date.

    *m* months fit only when *days* is at least the longest span of *m* calendar months
    (31 days for one month, 62 for two, 184 for six, 366 for twelve). *at_least*: months
    known to fit already (the count starts there; a running total passes its last answer).
    """
    months = at_least
    while _longest_span(months + 1) <= days:
        months += 1
    return months


@cache
def _longest_span(months: int) -> int:
    """The longest *months* calendar months can be, in days.

    A start whose day the end month lacks is clamped to an earlier end, so the longest spans
    start on a 1st: try each month of 2000-2003 (every phase of the leap cycle; 2000 is a leap year).
    """
    starts = [dt.date(2000 + n // 12, n % 12 + 1, 1) for n in range(48)]
    return max((add_months(start, months) - start).days for start in starts)


# --- days ---------------------------------------------------------------------------------


def days_between(earlier: dt.date, later: dt.date) -> int:
    """Days from *earlier* (day 0) to *later*: the next day is day 1. Negative when *later* comes first."""
    return (later - earlier).days


def within_days(start: dt.date, day: dt.date, days: int) -> bool:
    """Is *day* one of days 0..*days* counted from *start* (both ends in)?"""
    return 0 <= days_between(start, day) <= days


def interval_elapsed(last: dt.date, day: dt.date, interval_days: int) -> bool:
    """At most once per *interval_days*: is *day* at least *interval_days* after *last* (day 30 of 30 is)?"""
    return days_between(last, day) >= interval_days


def global_end(surgery: dt.date, global_days: int) -> dt.date:
    """The last day of a global period: day 0 is the surgery, so a 10-day global ends on day 10."""
    return surgery + dt.timedelta(days=global_days)


def within_global(surgery: dt.date, day: dt.date, global_days: int) -> bool:
    """Is *day* inside the global period of a surgery on *surgery* (days 0..*global_days*)?"""
    return within_days(surgery, day, global_days)


def valid_through(decided: dt.date, valid_days: int) -> dt.date:
    """The last valid day of a decision: the decision date is day 0, so day *valid_days* is still valid."""
    return decided + dt.timedelta(days=valid_days)


def valid_on(decided: dt.date, day: dt.date, valid_days: int) -> bool:
    """Is a decision of *decided*, valid *valid_days* days, valid on *day* (days 0..*valid_days*)?"""
    return within_days(decided, day, valid_days)


# --- hours -------------------------------------------------------------------------------


def trial_length_hours(started_at: dt.datetime, ended_at: dt.datetime) -> float:
    """Elapsed hours from *started_at* to *ended_at*, to 1/10,000 of an hour (no binary noise at 48.0).

    Both times are naive (local time as written) or both carry an offset (the case
    model refuses a mix); with offsets the difference is the real elapsed time.
    """
    return round((ended_at - started_at).total_seconds() / 3600, 4)


def trial_length_days(started_at: dt.datetime, ended_at: dt.datetime) -> float:
    """Elapsed days (24 hours each) from *started_at* to *ended_at*: 72 hours is 3.0 days."""
    return round((ended_at - started_at).total_seconds() / 86400, 4)


__all__ = [
    "Block", "add_months", "days_between", "global_end", "interval_elapsed", "longest_months_in_days",
    "merge_blocks", "months_between", "months_covered", "trial_length_days", "trial_length_hours",
    "valid_on", "valid_through", "within_days", "within_global",
]
