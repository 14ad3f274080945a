"""Authorized vs performed: the Medicare OPD UTN, and a commercial authorization's codes, units and dates."""

from __future__ import annotations

import datetime as dt

from casebuilder import DOS, TRIAL_DAY, D, Patient, trial_candidate

from .conftest import check, claim, finding, fired, line
from .scenarios import UTN_DAY, trialled, with_utn

UTN = "UTN00000000001"


def day(n: int, start: dt.date = UTN_DAY) -> dt.date:
    return start + dt.timedelta(days=n)


# --- Medicare OPD prior authorization (63650 in the hospital outpatient department) ------------


def test_63650_in_the_hopd_without_a_utn_on_file_is_denied_until_one_is_requested():
    result = check(trialled().case(), claim(DOS, "63650x2:permanent", pos="hopd"))
    f = finding(result, "63650", "opd_pa_on_file")
    assert f.outcome == "deny" and f.action == "resubmit_authorization"
    assert f.todo == "submit a new authorization request"
    assert "since 2021-07-01" in f.message and "42 CFR 419.82" in f.citation
    assert "opd_utn_on_claim" in fired(result, "63650")
    assert result.for_code("63650").reconciliation and not result.for_code("63650").edits[:0]


def test_63650_in_an_asc_needs_no_opd_authorization():
    result = check(trialled().case(), claim(DOS, "63650x2:permanent", pos="asc"))
    assert not fired(result, "63650") & {"opd_pa_on_file", "opd_utn_on_claim", "opd_utn_validity"}


def test_63685_in_the_hopd_needs_no_opd_authorization():
    result = check(trialled().case(), claim(DOS, "63650x2:permanent", "63685", pos="hopd", auth=None))
    assert not fired(result, "63685") & {"opd_pa_on_file", "opd_utn_on_claim"}


def test_a_utn_on_file_but_not_on_the_claim_is_a_claim_correction():
    f = finding(check(with_utn(trialled()).case(), claim(DOS, "63650x2:permanent", pos="hopd")), "63650",
                "opd_utn_on_claim")
    assert f.action == "correct_claim" and f"put {UTN} on the claim" in f.message


def test_the_trial_utn_goes_on_the_permanent_claim_when_both_are_in_the_hopd():
    case = with_utn(trial_candidate(), day=D(2026, 2, 20)).trial().case()
    result = check(case, claim(DOS, "63650x2:permanent", pos="hopd", auth=UTN))
    assert not {f.edit for f in result.for_code("63650").reconciliation}


def test_a_utn_is_valid_on_day_120_after_the_decision():
    case = with_utn(trialled()).case()
    result = check(case, claim(day(120), "63650x2:permanent", pos="hopd", auth=UTN))
    assert "opd_utn_validity" not in fired(result, "63650")


def test_a_utn_has_expired_on_day_121():
    case = with_utn(trialled()).case()
    f = finding(check(case, claim(day(121), "63650x2:permanent", pos="hopd", auth=UTN)), "63650", "opd_utn_validity")
    assert "day 121" in f.message and f"valid through {day(120).isoformat()}" in f.message
    assert f.action == "resubmit_authorization" and not f.verified


def test_an_end_date_on_record_never_extends_the_utn_past_120_days():
    """The program fixes the UTN's validity (120 days from the decision): a recorded end date can end
    it earlier (authorized_period), never later (domain notes §5.3; redteam8)."""
    longer = with_utn(trialled(), valid_to=day(200)).case()
    assert "opd_utn_validity" in fired(check(longer, claim(day(150), "63650x2:permanent", pos="hopd", auth=UTN)),
                                       "63650")
    assert not fired(check(longer, claim(day(120), "63650x2:permanent", pos="hopd", auth=UTN)),
                     "63650") & {"opd_utn_validity", "authorized_period"}
    shorter = with_utn(trialled(), valid_to=day(90)).case()
    assert "authorized_period" in fired(check(shorter, claim(day(91), "63650x2:permanent", pos="hopd", auth=UTN)),
                                        "63650")


def test_more_units_than_authorized_ask_for_an_update():
    case = with_utn(trialled(), units=1).case()
    f = finding(check(case, claim(DOS, "63650x2:permanent", pos="hopd", auth=UTN)), "63650", "authorized_units")
    assert "2 units billed, 1 authorized" in f.message and f.action == "request_authorization_update"


def test_the_authorized_units_exactly_pass():
    case = with_utn(trialled(), units=2).case()
    assert "authorized_units" not in fired(check(case, claim(DOS, "63650x2:permanent", pos="hopd", auth=UTN)), "63650")


def test_a_claim_naming_an_authorization_the_case_lacks_is_corrected():
    case = with_utn(trialled()).case()
    f = finding(check(case, claim(DOS, "63650x2:permanent", pos="hopd", auth="UTN-TYPO")), "63650",
                "authorized_number")
    assert "UTN-TYPO" in f.message and f.action == "correct_claim"


def test_the_setting_authorized_is_the_setting_billed():
    case = with_utn(trialled(), setting="asc").case()
    assert "authorized_setting" in fired(check(case, claim(DOS, "63650x2:permanent", pos="hopd", auth=UTN)), "63650")


# --- a commercial authorization (Aetna) ------------------------------------------------------


def aetna_authorized(*services: tuple[str, int], start: dt.date = D(2026, 3, 25),
                     end: dt.date | None = D(2026, 5, 31)) -> Patient:
    p = trial_candidate("aetna").trial(hours=120, pain=(8, 3))
    return p.event("authorization", D(2026, 3, 20), number="AET-1", valid_from=start, valid_to=end,
                   services=[{"code": c, "units": u} for c, u in services], setting="asc")


def test_a_paddle_placed_where_63650_was_authorized_asks_for_an_update():
    case = aetna_authorized(("63650", 2), ("63685", 1)).case()
    result = check(case, claim(DOS, "63655", "63685", auth="AET-1"), policy="aetna")
    f = finding(result, "63655", "authorized_code")
    assert "63655 is not on authorization AET-1" in f.message and "63650 x2" in f.message
    assert f.action == "request_authorization_update" and f.todo == "request an update to the authorization"
    assert "authorized_code" not in fired(result, "63685")


def test_the_paddle_mismatch_is_not_reconciled_under_medicare_which_needs_no_pa_for_it():
    case = aetna_authorized(("63650", 2), ("63685", 1)).case()
    result = check(case, claim(DOS, "63655", "63685", auth="AET-1"), policy="medicare")
    assert "authorized_code" not in fired(result, "63655")


def test_an_integrated_system_where_63650_and_63685_were_authorized_is_a_mismatch():
    case = aetna_authorized(("63650", 2), ("63685", 1)).case()
    result = check(case, claim(DOS, "0784T", auth="AET-1"), policy="aetna")
    assert "authorized_code" in fired(result, "0784T")


def test_63650_and_63685_where_an_integrated_system_was_authorized_are_a_mismatch():
    case = aetna_authorized(("0784T", 1)).case()
    result = check(case, claim(DOS, "63650x2:permanent", "63685", auth="AET-1"), policy="aetna")
    assert "authorized_code" in fired(result, "63650") and "authorized_code" in fired(result, "63685")


def test_surgery_moved_after_the_authorization_period_needs_a_new_request():
    case = aetna_authorized(("63650", 2), ("63685", 1)).case()
    result = check(case, claim(D(2026, 6, 1), "63650x2:permanent", "63685", auth="AET-1"), policy="aetna")
    f = finding(result, "63650", "authorized_period")
    assert "after authorization AET-1 ended" in f.message and f.action == "resubmit_authorization"


def test_the_last_day_of_the_authorization_period_is_inside_it():
    case = aetna_authorized(("63650", 2), ("63685", 1)).case()
    result = check(case, claim(D(2026, 5, 31), "63650x2:permanent", "63685", auth="AET-1"), policy="aetna")
    assert "authorized_period" not in fired(result, "63650")


def test_surgery_before_the_authorization_starts_is_outside_it():
    case = aetna_authorized(("63650", 2), ("63685", 1), start=D(2026, 4, 2)).case()
    result = check(case, claim(DOS, "63650x2:permanent", auth="AET-1"), policy="aetna")
    assert "before authorization AET-1 starts" in finding(result, "63650", "authorized_period").message


def test_without_a_number_on_the_claim_the_authorization_covering_the_code_is_used():
    case = aetna_authorized(("63650", 2), ("63685", 1)).case()
    result = check(case, claim(DOS, "63650x3:permanent", "63685"), policy="aetna")
    assert "authorized_units" in fired(result, "63650") and "authorized_units" not in fired(result, "63685")


def test_no_authorization_on_file_means_nothing_to_reconcile_for_a_commercial_pack():
    case = trial_candidate("aetna").trial(hours=120, pain=(8, 3)).case()
    result = check(case, claim(DOS, "63650x2:permanent", "63685"), policy="aetna")
    assert not [f for ln in result.lines for f in ln.reconciliation]


def test_units_of_several_lines_add_up_against_the_authorization():
    case = aetna_authorized(("63650", 2), ("63685", 1)).case()
    c = claim(DOS, "63650:permanent", line("63650:permanent", modifiers=["59"]),
              line("63650:permanent", modifiers=["59"]), auth="AET-1")
    result = check(case, c, policy="aetna")
    assert ["authorized_units" in fired(result, "63650", n=i) for i in range(3)] == [False, False, True]


def test_trial_day_constant_is_before_the_authorizations():  # keeps the fixtures honest
    assert TRIAL_DAY < D(2026, 3, 20) < DOS
