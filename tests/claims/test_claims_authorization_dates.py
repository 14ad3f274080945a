"""An authorization covers only services after its decision; the Medicare OPD UTN has its format."""

from __future__ import annotations

import datetime as dt

from casebuilder import DOS, D

from .conftest import check, claim, finding, fired
from .scenarios import trialled, with_utn

UTN = "UTN00000000001"


def test_authorization_after_service_does_not_cover():
    """OPD prior authorization is a condition of payment before the service (42 CFR 419.82): a UTN decided the
    day after the implant does not cover it, even with a validity period starting earlier."""
    case = with_utn(trialled(), day=DOS + dt.timedelta(days=1), valid_from=D(2026, 3, 1)).case()
    result = check(case, claim(DOS, "63650x2:permanent", pos="hopd", auth=UTN))
    assert {"authorized_period", "opd_pa_on_file"} <= fired(result, "63650")
    f = finding(result, "63650", "authorized_period")
    assert "before authorization UTN00000000001 was decided" in f.message
    assert result.for_code("63650").outcome.value == "deny"


def test_authorization_decided_on_the_day_of_service_covers_it():
    case = with_utn(trialled(), day=DOS, valid_from=DOS).case()
    result = check(case, claim(DOS, "63650x2:permanent", pos="hopd", auth=UTN))
    assert not {"authorized_period", "opd_pa_on_file"} & fired(result, "63650")


def test_a_commercial_authorization_decided_after_the_service_does_not_cover_it_either():
    p = trialled()
    p.data["policy"] = "aetna"
    p.event("authorization", DOS + dt.timedelta(days=1), number="AET-1", services=[{"code": "63650", "units": 2}],
            valid_from=D(2026, 3, 1), valid_to=D(2026, 12, 31))
    result = check(p.case(), claim(DOS, "63650x2:permanent", auth="AET-1"), policy="aetna")
    assert "authorized_period" in fired(result, "63650")


def test_utn_format_is_checked():
    """Every OPD PA request gets a 14-byte UTN (Palmetto, Noridian); the character set is unverified."""
    bad = with_utn(trialled(), number="UTN-0001").case()
    result = check(bad, claim(DOS, "63650x2:permanent", pos="hopd", auth="UTN-0001"))
    f = finding(result, "63650", "opd_utn_format")
    assert f.verified is False and f.action == "correct_claim"
    for number in ("UTN0000000001", "UTN000000000001"):  # 13 and 15 characters
        case = with_utn(trialled(), number=number).case()
        assert "opd_utn_format" in fired(check(case, claim(DOS, "63650x2:permanent", pos="hopd", auth=number)),
                                         "63650")
    good = with_utn(trialled()).case()
    assert "opd_utn_format" not in fired(check(good, claim(DOS, "63650x2:permanent", pos="hopd", auth=UTN)), "63650")


def test_utn_format_applies_to_the_hospital_outpatient_department_only():
    case = with_utn(trialled(), number="UTN-0001").case()
    assert "opd_utn_format" not in fired(check(case, claim(DOS, "63650x2:permanent", pos="asc", auth="UTN-0001")),
                                         "63650")
