"""Authorized vs performed: each claim line against the authorization recorded on the case.

Authorizations are ``authorization`` events (``date`` = the decision date). A line is
compared with the authorization the claim names, else the one on file that covers its
code (and its date, if several do), else the latest one on file. The edit kinds here:

* ``authorization_required`` - the policy needs an authorization (on file / on the claim);
* ``authorization_match`` - number, code, units, period or setting differ from it; an
  authorization decided after the date of service does not cover that service (prior
  authorization is a condition of payment obtained before the service, 42 CFR 419.82);
* ``authorization_number_format`` - the number on the claim has the program's format (the
  Medicare OPD UTN: 14 characters);
* ``authorization_validity`` - a program's authorization expires ``valid_days`` after its
  decision (the decision date is day 0), whatever end date the record states.

Each finding carries what to do: correct the claim, request an update to the
authorization, or submit a new request.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from ..model.case import Authorization
from ..model.windows import valid_through as _valid_through
from ..policy.edits import AuthorizationMatch, AuthorizationNumberFormat, AuthorizationRequired, AuthorizationValidity
from .findings import ClaimContext, Hit, finding


def _codes(auth: Authorization) -> dict[str, int]:
    units: dict[str, int] = {}
    for s in auth.services:
        units[s.code] = units.get(s.code, 0) + s.units
    return units


def _covers(auth: Authorization, day: dt.date) -> bool:
    """Decided on or before *day* (never after the service) and valid on it."""
    return auth.date <= day and auth.valid_from <= day and (auth.valid_to is None or day <= auth.valid_to)


def _terms(auth: Authorization) -> str:
    services = ", ".join(f"{c} x{u}" for c, u in _codes(auth).items())
    until = auth.valid_to.isoformat() if auth.valid_to else "open"
    return f"{services}; {auth.valid_from.isoformat()} .. {until}"


def named_authorization(ctx: ClaimContext) -> Authorization | None:
    """The authorization whose number the claim carries, if it is on the case."""
    return next((a for a in ctx.authorizations() if a.number == ctx.authorization_number), None)


def authorization_for(ctx: ClaimContext, code: str) -> Authorization | None:
    """The authorization a line of *code* is billed under."""
    auths = ctx.authorizations()
    if ctx.authorization_number is not None:
        return named_authorization(ctx)
    pool = [a for a in auths if code in _codes(a)] or auths
    if not pool:
        return None
    covering = [a for a in pool if _covers(a, ctx.date_of_service)]
    return max(covering or pool, key=lambda a: (a.date, a.number))


def _lines(e: AuthorizationMatch | AuthorizationRequired, ctx: ClaimContext) -> list[int]:
    places = e.places_of_service
    return [i for i in ctx.indexes(e.codes) if not places or ctx.lines[i].place_of_service in places]


def check_required(e: AuthorizationRequired, ctx: ClaimContext) -> list[Hit]:
    if ctx.date_of_service < e.effective_from:
        return []
    hits: list[Hit] = []
    for i in _lines(e, ctx):
        line = ctx.lines[i]
        on_file = [a for a in ctx.authorizations() if a.program == e.program and line.code in _codes(a)]
        where = f"{line.code} in place of service {line.place_of_service}"
        before = [a for a in on_file if a.date <= ctx.date_of_service]
        if e.check == "on_file" and not before:
            late = "".join(f"; {a.number} was decided on {a.date.isoformat()}, after the service" for a in on_file)
            hits.append((i, finding(e, f"{where} needs a {e.program} authorization decided before the service since "
                                       f"{e.effective_from.isoformat()}; none covering {line.code} is on the case"
                                       f"{late}")))
        elif e.check == "on_claim":
            numbers = [a.number for a in on_file]
            if ctx.authorization_number is None:
                put = f": put {numbers[-1]} on the claim" if numbers else ""
                hits.append((i, finding(e, f"{where}: the claim carries no authorization number "
                                           f"(a claim without it is denied){put}")))
            elif numbers and ctx.authorization_number not in numbers:
                hits.append((i, finding(e, f"{where}: the claim carries {ctx.authorization_number}, which is not a "
                                           f"{e.program} authorization for {line.code} (on file: "
                                           f"{', '.join(numbers)})")))
    return hits


def check_match(e: AuthorizationMatch, ctx: ClaimContext) -> list[Hit]:
    idx = _lines(e, ctx)
    if not idx or not ctx.authorizations():
        return []
    hits: list[Hit] = []
    if e.check == "number":
        if ctx.authorization_number is not None and named_authorization(ctx) is None:
            known = ", ".join(a.number for a in ctx.authorizations())
            hits += [(i, finding(e, f"the claim's authorization {ctx.authorization_number} is not recorded on the "
                                    f"case (on file: {known}): correct the number or record the authorization"))
                     for i in idx]
        return hits
    dos = ctx.date_of_service
    billed: dict[tuple[str, str], int] = {}
    for i in idx:
        line = ctx.lines[i]
        auth = authorization_for(ctx, line.code)
        if auth is None:
            continue
        codes = _codes(auth)
        if e.check == "code" and line.code not in codes:
            hits.append((i, finding(e, f"{line.code} is not on authorization {auth.number} ({_terms(auth)}): ask "
                                       f"for {line.code} in place of the code authorized, or correct the claim")))
        elif e.check == "units" and line.code in codes:
            key = (auth.number, line.code)
            billed[key] = billed.get(key, 0) + line.units
            if billed[key] > codes[line.code]:
                hits.append((i, finding(e, f"{line.code}: {billed[key]} units billed, {codes[line.code]} authorized "
                                           f"by {auth.number}: request more units or correct the claim")))
        elif e.check == "period" and dos < auth.date:
            hits.append((i, finding(e, f"{line.code} on {dos.isoformat()} was performed before authorization "
                                       f"{auth.number} was decided ({auth.date.isoformat()}): an authorization "
                                       "decided after the service does not cover it")))
        elif e.check == "period" and not _covers(auth, dos):
            side = "before authorization {} starts" if dos < auth.valid_from else "after authorization {} ended"
            hits.append((i, finding(e, f"{line.code} on {dos.isoformat()} is {side.format(auth.number)} "
                                       f"({_terms(auth)})")))
        elif e.check == "setting" and auth.setting is not None and line.place_of_service != auth.setting:
            hits.append((i, finding(e, f"{line.code} was performed in {line.place_of_service}; authorization "
                                       f"{auth.number} is for {auth.setting}")))
    return hits


def check_number_format(e: AuthorizationNumberFormat, ctx: ClaimContext) -> list[Hit]:
    number = ctx.authorization_number
    if number is None:
        return []
    idx = [i for i in ctx.indexes(e.codes) if not e.places_of_service
           or ctx.lines[i].place_of_service in e.places_of_service]
    if re.fullmatch(e.pattern, number):
        return []
    return [(i, finding(e, f"{ctx.lines[i].code}: the claim's {e.program} number {number!r} does not have its "
                           f"format ({e.text}): correct the number")) for i in idx]


def valid_through(auth: Authorization, valid_days: int) -> dt.date:
    """The last valid day: the decision date is day 0, so day *valid_days* is still valid."""
    return _valid_through(auth.date, valid_days)


def check_validity(e: AuthorizationValidity, ctx: ClaimContext) -> list[Hit]:
    hits: list[Hit] = []
    dos = ctx.date_of_service
    days = ctx.num(e.valid_days)
    for i in ctx.indexes(e.codes):
        auth = authorization_for(ctx, ctx.lines[i].code)
        if auth is None or auth.program != e.program:  # a recorded valid_to never extends the program's days
            continue
        last = valid_through(auth, days)
        if dos > last:
            day = (dos - auth.date).days
            hits.append((i, finding(e, f"{ctx.lines[i].code} on {dos.isoformat()} is day {day} after the decision "
                                       f"of {auth.number} ({auth.date.isoformat()}); it was valid through "
                                       f"{last.isoformat()} (day {days}): request a new decision")))
    return hits


CHECKS: dict[str, Callable[[Any, ClaimContext], list[Hit]]] = {
    "authorization_required": check_required,
    "authorization_match": check_match,
    "authorization_number_format": check_number_format,
    "authorization_validity": check_validity,
}
