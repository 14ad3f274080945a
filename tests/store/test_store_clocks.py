"""Due times at their edges: the clock rules of clocks.yaml, read as the regulations read.

2026-03-06 is a Friday. Every instant is UTC unless the test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scs_workflow import PolicyError
from scs_workflow.store.clocks import ClockBook, load_clocks

UTC = dt.UTC
NEW_YORK = "America/New_York"


@pytest.fixture(scope="module")
def book() -> ClockBook:
    return load_clocks()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def due(book: ClockBook, received: str, urgency: str, *rule_sets: str) -> str:
    return book.due(at(received), urgency, list(rule_sets)).due_at.strftime("%a %Y-%m-%d %H:%M")


def test_a_standard_request_received_friday_2359_is_due_the_next_friday_2359(book: ClockBook) -> None:
    assert due(book, "2026-03-06T23:59", "standard", "cms-0057-f") == "Fri 2026-03-13 23:59"
    assert due(book, "2026-03-06T23:59", "standard", "medicare-opd") == "Fri 2026-03-13 23:59"


def test_seven_calendar_days_count_the_weekend(book: ClockBook) -> None:
    assert due(book, "2026-03-07T08:00", "standard", "cms-0057-f") == "Sat 2026-03-14 08:00"


def test_an_expedited_opd_request_friday_1700_is_due_tuesday_1700(book: ClockBook) -> None:
    assert due(book, "2026-03-06T17:00", "expedited", "medicare-opd") == "Tue 2026-03-10 17:00"


def test_an_expedited_opd_request_friday_2359_is_due_tuesday_2359(book: ClockBook) -> None:
    assert due(book, "2026-03-06T23:59", "expedited", "medicare-opd") == "Tue 2026-03-10 23:59"


def test_an_expedited_opd_request_received_on_saturday_counts_from_monday(book: ClockBook) -> None:
    assert due(book, "2026-03-07T10:00", "expedited", "medicare-opd") == "Tue 2026-03-10 10:00"


def test_two_business_days_from_a_monday_are_wednesday(book: ClockBook) -> None:
    assert due(book, "2026-03-09T09:00", "expedited", "medicare-opd") == "Wed 2026-03-11 09:00"


def test_72_hours_run_through_the_weekend(book: ClockBook) -> None:
    assert due(book, "2026-03-06T23:59", "expedited", "cms-0057-f") == "Mon 2026-03-09 23:59"
    assert due(book, "2026-03-06T23:59", "expedited", "erisa") == "Mon 2026-03-09 23:59"


def test_erisa_standard_is_15_days(book: ClockBook) -> None:
    assert due(book, "2026-03-06T23:59", "standard", "erisa") == "Sat 2026-03-21 23:59"


def test_the_opd_rule_changed_on_2025_01_01_from_10_business_days_to_7_calendar_days(book: ClockBook) -> None:
    assert due(book, "2024-12-31T10:00", "standard", "medicare-opd") == "Tue 2025-01-14 10:00"
    assert due(book, "2025-01-01T10:00", "standard", "medicare-opd") == "Wed 2025-01-08 10:00"


def test_cms_0057_f_applies_from_2026_and_ma_had_14_days_before(book: ClockBook) -> None:
    assert due(book, "2025-12-31T12:00", "standard", "cms-0057-f") == "Wed 2026-01-14 12:00"
    assert due(book, "2026-01-01T00:00", "standard", "cms-0057-f") == "Thu 2026-01-08 00:00"


def test_a_stricter_state_rule_wins(book: ClockBook) -> None:
    stricter = book.due(at("2026-03-06T23:59"), "standard", ["cms-0057-f", "wa-state"])
    assert (stricter.rule_set, stricter.due_at) == ("wa-state", at("2026-03-09T23:59"))
    assert due(book, "2026-03-06T23:59", "expedited", "cms-0057-f", "wa-state") == "Sat 2026-03-07 23:59"


def test_the_default_rule_set_comes_from_the_case_policy(book: ClockBook) -> None:
    assert book.for_policy("medicare") == ["medicare-opd"]
    assert book.for_policy("aetna@2026.1") == ["erisa"]
    assert book.for_policy("medicare", ["wa-state"]) == ["wa-state"]
    with pytest.raises(PolicyError, match="no default clock for policy 'acme'"):
        book.for_policy("acme")
    with pytest.raises(PolicyError, match="unknown clock rule set nope"):
        book.for_policy("medicare", ["nope"])


def test_no_rule_in_force_is_an_error(book: ClockBook) -> None:
    with pytest.raises(PolicyError, match="cms-0057-f has no rule in force on 2023-06-01"):
        book.due(at("2023-06-01T00:00"), "standard", ["cms-0057-f"])


def test_a_time_without_a_timezone_is_refused(book: ClockBook) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        book.due(dt.datetime(2026, 3, 6, 17, 0), "standard", ["erisa"])


def test_an_approval_is_valid_120_days_under_the_opd_program_by_default(book: ClockBook) -> None:
    assert book.valid_days(["medicare-opd"]) == 120
    assert book.valid_days(["erisa"]) is None


def test_every_shipped_rule_set_carries_a_citation_and_a_confidence(book: ClockBook) -> None:
    assert set(book.rule_sets) >= {"cms-0057-f", "medicare-opd", "erisa", "wa-state"}
    for rs in book.rule_sets.values():
        assert rs.cite and rs.confidence in ("S", "S2", "M", "D")


# --- a clocks file of one's own ---------------------------------------------------------------

OWN = """\
kind: clock-rules
version: "t"
timezone: {tz}
holidays: [2026-03-09]
rule_sets:
  opd:
    title: t
    cite: t
    confidence: D
    rules:
      - effective_from: 2020-01-01
        expedited: {{unit: business_days, amount: 2}}
        standard: {{unit: calendar_days, amount: 7}}
  fast:
    title: t
    cite: t
    confidence: D
    rules:
      - effective_from: 2020-01-01
        expedited: {{unit: hours, amount: 72}}
        standard: {{unit: hours, amount: 24}}
roles: {{known: [nurse, reviewer, system], may_pend: [nurse], may_approve: [nurse], may_deny: [reviewer],
        automatic: system}}
"""


def own(tmp_path: Path, tz: str = "UTC", text: str = OWN) -> ClockBook:
    path = tmp_path / "clocks.yaml"
    path.write_text(text.format(tz=tz))
    return load_clocks(path)


def test_a_listed_holiday_is_not_a_business_day(tmp_path: Path) -> None:
    assert due(own(tmp_path), "2026-03-06T17:00", "expedited", "opd") == "Wed 2026-03-11 17:00"


def test_calendar_days_keep_the_local_wall_clock_across_a_dst_change(tmp_path: Path) -> None:
    book = own(tmp_path, NEW_YORK)
    friday_night = dt.datetime(2026, 3, 6, 23, 59, tzinfo=book.zone)  # EST; DST starts Sunday 8 March
    when = book.due(friday_night, "standard", ["opd"]).due_at.astimezone(book.zone)
    assert (when.isoformat()) == "2026-03-13T23:59:00-04:00"


def test_hours_are_elapsed_time_across_a_dst_change(tmp_path: Path) -> None:
    book = own(tmp_path, NEW_YORK)
    friday_night = dt.datetime(2026, 3, 6, 23, 59, tzinfo=book.zone)
    assert book.due(friday_night, "expedited", ["fast"]).due_at - friday_night == dt.timedelta(hours=72)


def test_business_days_are_counted_on_the_local_calendar(tmp_path: Path) -> None:
    book = own(tmp_path, NEW_YORK)
    friday_evening = at("2026-03-07T01:00")  # Friday 20:00 in New York, already Saturday in UTC
    local = book.due(friday_evening, "expedited", ["opd"]).due_at.astimezone(book.zone)
    assert local.strftime("%a %H:%M") == "Wed 20:00"  # Monday 9 March is a holiday in this file


def test_a_malformed_clocks_file_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as err:
        own(tmp_path, text=OWN.replace("amount: 7", "amount: 0"))
    assert "clocks.yaml:13: rule_sets.opd.rules[0].standard.amount" in str(err.value)


def test_the_automatic_role_may_never_deny(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="may never deny"):
        own(tmp_path, text=OWN.replace("may_deny: [reviewer]", "may_deny: [reviewer, system]"))
