"""The coding edit kinds: units, lifetime limits, bundling, modifiers, global periods, frequency,
place of service, documentation, and the lines without a gate (device supplies, imaging guidance).

Each check reads one edit's data (:mod:`.edits`) and the claim in context, and returns the
lines it fires on. No code, number or citation is written here: they come from the edit.
The one piece of coding knowledge kept in Python is which CPT code describes a procedure
the case records (:func:`procedure_codes`), since that follows from the case model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model.windows import days_between, within_global
from ..policy.edits import (
    Bundle,
    Documentation,
    EmSameDay,
    Frequency,
    GlobalPeriodModifier,
    LifetimeLimit,
    MaxUnits,
    ModifierNotAllowed,
    NeedsProcedure,
    PlaceOfService,
    RepeatAfterFailure,
    SupplySetting,
    SupplyUnits,
    UnitsPerArray,
)
from .findings import ClaimContext, Hit, exception_documented, finding, unknown

#: every case event that is a surgical procedure with a CPT code (see procedure_codes)
SURGICAL_EVENTS = ["trial_placement", "lead_implant", "integrated_implant", "generator_implant",
                   "generator_replacement", "generator_removal", "lead_revision", "lead_removal", "explant"]


def procedure_codes(ev: Any, ctx: ClaimContext) -> tuple[str, ...]:
    """The CPT codes that describe a procedure recorded on the case."""
    t = ev.type
    paddle = getattr(ev, "approach", None) == "paddle"
    if t == "trial_placement":
        return ("63650",)
    if t == "lead_implant":
        return ("63655",) if paddle else ("63650",)
    if t in ("generator_implant", "generator_replacement"):
        return ("63685",)
    if t == "integrated_implant":
        return ("0784T",)
    if t == "lead_revision":
        return ("63664",) if paddle else ("63663",)
    if t == "lead_removal":
        return ("63662",) if paddle else ("63661",)
    if t == "generator_removal":
        return ("63688",)
    if t == "explant":  # the generator and the leads, placed the way the last leads were
        leads = [e for e in ctx.history(["lead_implant", "lead_revision"]) if e.date <= ev.date]
        return ("63688", "63662" if leads and leads[-1].approach == "paddle" else "63661")
    return ()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _running_over(ctx: ClaimContext, idx: list[int], size: Callable[[int], int], limit: int) -> list[tuple[int, int]]:
    """The lines (with the running total) that take the total of *idx* past *limit*."""
    total, over = 0, []
    for i in idx:
        total += size(i)
        if total > limit and size(i) > 0:
            over.append((i, total))
    return over


# --- units -----------------------------------------------------------------------------


def check_max_units(e: MaxUnits, ctx: ClaimContext) -> list[Hit]:
    hits: list[Hit] = []
    what = "contact" if e.count == "contacts" else "unit"

    def size(i: int) -> int:
        line = ctx.lines[i]
        return (line.contacts or 0) if e.count == "contacts" else line.units

    by_code: dict[str, list[int]] = {}
    for i in ctx.indexes(e.codes):
        by_code.setdefault(ctx.lines[i].code, []).append(i)
    for code, idx in by_code.items():
        limit = ctx.num(e.limits[code] if e.limits else e.max)  # type: ignore[arg-type]
        groups = [[i] for i in idx] if e.per == "line" else [idx]
        for group in groups:
            for i, total in _running_over(ctx, group, size, limit):
                scope = "on this line" if e.per == "line" else f"on {ctx.date_of_service.isoformat()}"
                hits.append((i, finding(e, f"{code}: {_plural(total, what)} {scope}; at most {limit} "
                                           f"are paid: bill at most {limit}")))
    return hits


def check_units_per_array(e: UnitsPerArray, ctx: ClaimContext) -> list[Hit]:
    idx = ctx.indexes(e.codes)
    done = [ev for ev in ctx.today(e.procedure.events) if e.procedure.keeps(ev)]
    if not idx or not done:
        return []
    arrays = sum(ev.leads for ev in done)
    billed = sum(ctx.lines[i].units for i in idx)
    if billed == arrays:
        return []
    code = ctx.lines[idx[0]].code
    record = ", ".join(f"{ev.type} {ev.id}" for ev in done)
    return [(idx[0], finding(e, f"{code} is billed for {_plural(billed, 'unit')} but {record} documents "
                                f"{_plural(arrays, 'array')}: bill one unit per array ({arrays})"))]


def check_lifetime_limit(e: LifetimeLimit, ctx: ClaimContext) -> list[Hit]:
    """History plus this request or claim against the limit; a per-region limit counts the line's region.

    A region that is not stated (on the line or the procedure recorded that day) is not guessed: when the
    limit would be passed in any region of the history, the line pends for the region. A past event that
    may count but does not say (a prior implant without its approach, a trial before tracking without its
    region or leads) is not guessed either: when counting it would pass the limit, the line pends for it.
    """
    idx = ctx.indexes(e.codes)
    if not idx:
        return []
    found = ctx.history(e.history.events)
    past = [ev for ev in found if e.history.keeps(ev)]
    doubtful = [(ev, fields) for ev in found if not e.history.keeps(ev) and (fields := e.history.doubts(ev))]
    limit = ctx.num(e.max)
    if e.per_region:
        today = [ev for ev in ctx.today(e.history.events) if getattr(ev, "region", None)]
        region: str | None = next((ctx.lines[i].region for i in idx if ctx.lines[i].region), None)
        region = region or (today[0].region if today else None)
        unplaced = [ev for ev in past if _region(ev) is None]
        if region is None:
            regions = sorted({r for ev in past if (r := _region(ev)) is not None})
            full = [r for r in regions or ["any"]
                    if _lifetime_over(e, ctx, idx, [ev for ev in past if _region(ev) in (r, None)], limit)]
            if not full:
                return []
            code = ctx.lines[idx[0]].code
            return [(idx[0], unknown(e, f"{code}: the spinal region is not stated, and the {', '.join(full)} region "
                                        f"would pass the limit of {limit} in a lifetime",
                                     "the spinal region of the service (region)"))]
        doubtful += [(ev, ["region"]) for ev in unplaced]
        past = [ev for ev in past if _region(ev) == region]
    where = f" in the {region} region" if e.per_region else ""
    over = _lifetime_over(e, ctx, idx, past, limit)
    if not over:
        return _doubtful_over(e, ctx, idx, past, doubtful, limit, where)
    word = "procedure" if e.measure == "procedures" else "unit"
    before = ", ".join(f"{ev.id} ({ev.date.isoformat()})" for ev in past) or "none"
    excuse = exception_documented(ctx, list(e.exceptions))
    hits: list[Hit] = []
    for i, total in over:
        msg = (f"{ctx.lines[i].code}: {_plural(total, word)}{where} in a lifetime with this service "
               f"(at most {limit}; before: {before})")
        if excuse:
            hits.append((i, finding(e, f"{msg}; {excuse} is documented: send it with the claim",
                                    outcome="pend", action="send_documentation",
                                    missing=f"the record of the exception: {excuse}")))
        else:
            hits.append((i, finding(e, msg)))
    return hits


def _region(ev: Any) -> str | None:
    return getattr(ev, "region", None)


def _doubtful_over(e: LifetimeLimit, ctx: ClaimContext, idx: list[int], past: list[Any],
                   doubtful: list[tuple[Any, list[str]]], limit: int, where: str) -> list[Hit]:
    """Pend when the events that may count (or whose leads are not recorded) would pass the limit."""
    unsized = [ev for ev in [*past, *(d for d, _ in doubtful)]
               if e.measure == "units" and getattr(ev, "leads", None) is None]
    if not doubtful and not unsized:
        return []
    maybe = [*past, *(ev for ev, _ in doubtful)]
    if not unsized and not _lifetime_over(e, ctx, idx, maybe, limit):
        return []
    missing: dict[str, list[str]] = {}
    for ev, fields in doubtful:
        for name in fields:
            missing.setdefault(name, []).append(ev.id)
    for ev in unsized:
        missing.setdefault("leads", []).append(ev.id)
    what = "; ".join(f"the {name} of {', '.join(dict.fromkeys(ids))}" for name, ids in missing.items())
    code = ctx.lines[idx[0]].code
    return [(idx[0], unknown(e, f"{code}: the history{where} may pass the limit of {limit} in a lifetime "
                                f"({e.text}); it is not recorded", what))]


def _lifetime_over(e: LifetimeLimit, ctx: ClaimContext, idx: list[int], past: list[Any],
                   limit: int) -> list[tuple[int, int]]:
    """The lines (with the running total) that take history plus these lines past *limit* (an event whose
    leads are not recorded counts one: it had at least one)."""
    if e.measure == "procedures":
        total = len(past) + 1  # the lines of one request or claim are one procedure
        return [(idx[0], total)] if total > limit else []
    used = sum(getattr(ev, "leads", None) or 1 for ev in past)
    first = idx[0]
    return _running_over(ctx, idx, lambda i: ctx.lines[i].units + (used if i == first else 0), limit)


def check_repeat_after_failure(e: RepeatAfterFailure, ctx: ClaimContext) -> list[Hit]:
    hits: list[Hit] = []
    if ctx.pathway_state not in e.failed_states:
        return []
    for i in ctx.indexes(e.codes):
        if exception_documented(ctx, list(e.exceptions)):
            continue
        hits.append((i, finding(e, f"{ctx.lines[i].code}: the last trial failed (pathway state "
                                   f"{ctx.pathway_state}) and no technical failure or extenuating "
                                   "circumstances are documented")))
    return hits


# --- bundling and modifiers -----------------------------------------------------------------


def _same(e: Bundle, ctx: ClaimContext, i: int, j: int) -> tuple[bool, bool]:
    """(same scope, known): lines without an id are taken to share the scope."""
    if e.same == "date":
        return True, True
    a, b = getattr(ctx.lines[i], e.same), getattr(ctx.lines[j], e.same)
    if a is None or b is None:
        return True, False
    return a == b, True


def check_bundle(e: Bundle, ctx: ClaimContext) -> list[Hit]:
    hits: list[Hit] = []
    parents = ctx.indexes(e.with_)
    done = ctx.today(e.with_events) if e.with_events else []
    for i in ctx.indexes(e.codes):
        line = ctx.lines[i]
        if set(line.modifiers) & set(e.bypass_modifiers):
            continue
        for j in parents:
            same, known = _same(e, ctx, i, j)
            if j == i or not same:
                continue
            hint = "" if known else (f" (no {e.same} ids on the lines: taken as the same {e.same}; "
                                     f"give each line its `{e.same}` if they differ)")
            msg = (f"{line.code} is included in {ctx.lines[j].code} (line {j + 1}) at the same "
                   f"{e.same}{hint}: remove line {i + 1}")
            hits.append((i, finding(e, msg)))
            break
        else:
            if done:
                ev = done[0]
                hits.append((i, finding(e, f"{line.code} is included in the {ev.type.replace('_', ' ')} "
                                           f"({ev.id}) performed on {ev.date.isoformat()}: remove line {i + 1}")))
    return hits


def check_modifier_not_allowed(e: ModifierNotAllowed, ctx: ClaimContext) -> list[Hit]:
    hits: list[Hit] = []
    for i in ctx.indexes(e.codes):
        bad = [m for m in ctx.lines[i].modifiers if m in e.modifiers]
        if bad:
            hits.append((i, finding(e, f"{ctx.lines[i].code}: modifier {', '.join(bad)} is not used with this "
                                       "code: remove it (report several leads in units)")))
    return hits


def _global_days(days: dict[str, int], codes: tuple[str, ...]) -> int | None:
    found = [days[c] for c in codes if c in days]
    return max(found) if found else None


def check_global_period_modifier(e: GlobalPeriodModifier, ctx: ClaimContext) -> list[Hit]:
    idx = ctx.indexes(e.codes)
    if not idx:
        return []
    dos = ctx.date_of_service
    inside: list[tuple[Any, str, int, int]] = []  # event, code, global days, day of the global
    for ev in ctx.history(e.within_global_of):
        codes = procedure_codes(ev, ctx)
        days = _global_days(e.global_days, codes)
        day = days_between(ev.date, dos)
        if days is not None and within_global(ev.date, dos, days):
            code = next(c for c in codes if e.global_days.get(c) == days)
            inside.append((ev, code, days, day))
    if e.only_after:
        marks = ctx.history([e.only_after])
        inside = [x for x in inside if any(x[0].date <= m.date <= dos for m in marks)]
    if not inside:
        return []
    ev, code, days, day = inside[-1]
    why = f" after the {e.only_after}" if e.only_after else ""
    hits: list[Hit] = []
    for i in idx:
        if set(ctx.lines[i].modifiers) & set(e.modifiers):
            continue
        need = " or ".join(e.modifiers)
        hits.append((i, finding(e, f"{ctx.lines[i].code} on {dos.isoformat()} is day {day} of the {days}-day "
                                   f"global of {code} ({ev.type.replace('_', ' ')} {ev.id}, "
                                   f"{ev.date.isoformat()}){why}: add modifier {need}")))
    return hits


def check_em_same_day(e: EmSameDay, ctx: ClaimContext) -> list[Hit]:
    em = [i for i, line in enumerate(ctx.lines) if line.code in e.codes]
    if not em:
        return []
    surgery: list[tuple[int, str]] = []
    for i, line in enumerate(ctx.lines):
        if i not in em and line.code in e.global_days:
            surgery.append((e.global_days[line.code], f"{line.code} (line {i + 1})"))
    for ev in ctx.today(SURGICAL_EVENTS):
        days = _global_days(e.global_days, procedure_codes(ev, ctx))
        if days is not None:
            surgery.append((days, f"the {ev.type.replace('_', ' ')} {ev.id}"))
    if not surgery:
        return []
    days, what = max(surgery, key=lambda s: s[0])  # the longest global; the first such on a tie
    need = e.modifiers[days]
    hits: list[Hit] = []
    for i in em:
        if set(ctx.lines[i].modifiers) & set(need):
            continue
        hits.append((i, finding(e, f"E/M {ctx.lines[i].code} on the day of {what} ({days}-day global) is part "
                                   f"of the surgical package: add modifier {' or '.join(need)} if a separate "
                                   "E/M (or the decision for surgery) is documented, else remove the line")))
    return hits


# --- frequency, place of service, documentation ------------------------------------------------


def check_frequency(e: Frequency, ctx: ClaimContext) -> list[Hit]:
    idx = ctx.indexes(e.codes)
    past = ctx.history(list(e.history))
    if not idx or not past:
        return []
    dos = ctx.date_of_service
    last = past[-1]
    gap = (dos - last.date).days
    interval = ctx.num(e.min_interval_days)
    if gap >= interval:
        return []
    implant_note = ""
    if e.grace is not None:
        implants = [ev for ev in ctx.history(e.grace.after) if ev.date <= dos]
        grace = ctx.num(e.grace.days)
        if implants:
            since = (dos - implants[-1].date).days
            if since <= grace:
                return []
            implant_note = f"; the implant ({implants[-1].id}, {implants[-1].date.isoformat()}) was {since} days ago"
    msg = (f"the last analysis or programming was {last.id} on {last.date.isoformat()}, {gap} days before; "
           f"at most one per {interval} days{implant_note}")
    return [(i, finding(e, f"{ctx.lines[i].code}: {msg}")) for i in idx]


def check_place_of_service(e: PlaceOfService, ctx: ClaimContext) -> list[Hit]:
    hits: list[Hit] = []
    where = f"only in {', '.join(e.allowed)}" if e.allowed else f"not in {', '.join(e.not_allowed or [])}"
    for i in ctx.indexes(e.codes):
        pos = ctx.lines[i].place_of_service
        if pos is None:  # unknown: it could be the place the rule refuses
            hits.append((i, unknown(e, f"{ctx.lines[i].code}: no place of service is stated; it is paid {where}",
                                    "the place of service (office, asc, hopd or inpatient)")))
            continue
        bad = (e.allowed is not None and pos not in e.allowed) or (e.not_allowed is not None and pos in e.not_allowed)
        if bad:
            hits.append((i, finding(e, f"{ctx.lines[i].code} is billed in place of service {pos}; it is paid {where}")))
    return hits


def _documented(value: Any) -> bool:
    return value is not None and value is not False and value != [] and value != ""


def check_documentation(e: Documentation, ctx: ClaimContext) -> list[Hit]:
    idx = ctx.indexes(e.codes)
    if not idx:
        return []
    done = ctx.today(e.events)
    if not done:
        msg = (f"no {' or '.join(x.replace('_', ' ') for x in e.events)} is recorded on "
               f"{ctx.date_of_service.isoformat()}: the operative report ({'; '.join(e.items.values())}) "
               "is not on the case")
    else:
        ev = done[-1]
        missing = [label for name, label in e.items.items() if not _documented(getattr(ev, name, None))]
        if not missing:
            return []
        msg = f"the {ev.type.replace('_', ' ')} record {ev.id} does not document: {'; '.join(missing)}"
    return [(i, finding(e, f"{ctx.lines[i].code}: {msg}")) for i in idx]


# --- device supplies and add-ons: lines without a gate ----------------------------------------


def check_supply_setting(e: SupplySetting, ctx: ClaimContext) -> list[Hit]:
    hits: list[Hit] = []
    for i in ctx.indexes(e.codes):
        supply, pos = ctx.info(i).supply, ctx.lines[i].place_of_service
        if supply is None or pos in supply.settings:
            continue
        code = ctx.lines[i].code
        same = sorted(c for c, info in ctx.code_catalog().codes.items()
                      if info.supply is not None and info.supply.item == supply.item and pos in info.supply.settings)
        fix = (f"bill the {pos} device code ({' or '.join(same)}) instead" if same
               else f"no {supply.item.replace('_', ' ')} device code is billed on {pos} claims: remove it")
        hits.append((i, finding(e, f"{code} is the device code of {' and '.join(supply.settings)} claims; this "
                                   f"line is billed in {pos}: {fix}")))
    return hits


def check_supply_units(e: SupplyUnits, ctx: ClaimContext) -> list[Hit]:
    by_unit: dict[str, list[int]] = {}
    for i in ctx.indexes(e.codes):
        supply = ctx.info(i).supply
        if supply is not None and supply.unit != "device":
            by_unit.setdefault(supply.unit, []).append(i)
    if not by_unit:
        return []
    done = ctx.today(e.events)
    if done:
        leads: int = sum(ev.leads for ev in done)
        known = all(ev.contacts is not None for ev in done)
        contacts = sum(ev.contacts for ev in done) if known else None
        source = ", ".join(f"the {ev.type.replace('_', ' ')} {ev.id}" for ev in done)
    else:
        procs = ctx.indexes(e.procedures)
        if not procs:
            return []  # no lead placed on the claim or that day: the needs_procedure edits say so
        leads = sum(ctx.lines[j].units for j in procs)
        known = all(ctx.lines[j].contacts is not None for j in procs)
        contacts = sum(ctx.lines[j].contacts or 0 for j in procs) if known else None
        source = ", ".join(f"{ctx.lines[j].code} (line {j + 1})" for j in procs)
    hits: list[Hit] = []
    for unit, idx in by_unit.items():
        placed = leads if unit == "lead" else contacts
        if placed is None:
            hits += [(i, finding(e, f"{ctx.lines[i].code} is billed one unit per {unit}, but {source} does not "
                                    "give the contacts placed: send the operative report with the number of contacts",
                                 outcome="pend", action="send_documentation")) for i in idx]
            continue
        for i, total in _running_over(ctx, idx, lambda i: ctx.lines[i].units, placed):
            hits.append((i, finding(e, f"{ctx.lines[i].code}: {_plural(total, unit)} billed on "
                                       f"{ctx.date_of_service.isoformat()} (one unit per {unit}), but {source} "
                                       f"placed {_plural(placed, unit)}: bill at most {placed}")))
    return hits


_OUTCOME_RANK = {"approve": 0, "pend": 1, "deny": 2}


def check_needs_procedure(e: NeedsProcedure, ctx: ClaimContext) -> list[Hit]:
    hits: list[Hit] = []
    parents = ctx.indexes(e.with_)
    done = ctx.today(e.with_events) if e.with_events else []
    for i in ctx.indexes(e.codes):
        code, mine = ctx.lines[i].code, [j for j in parents if j != i]
        if not mine:
            if done:
                continue
            recorded = f", and none is recorded on {ctx.date_of_service.isoformat()}" if e.with_events else ""
            hits.append((i, finding(e, f"{code} is billed without a procedure that uses it: no "
                                       f"{' or '.join(e.with_) or 'such procedure'} on this claim{recorded}: "
                                       f"bill it with its procedure or remove line {i + 1}")))
            continue
        if ctx.outcomes is None:
            continue  # judged again once the other lines have their outcomes
        best = min((ctx.outcomes[j].value for j in mine), key=_OUTCOME_RANK.__getitem__)
        if best == "approve":
            continue
        names = " and ".join(f"{ctx.lines[j].code} (line {j + 1})" for j in mine)
        state = "refused" if best == "deny" else "pending"
        hits.append((i, finding(e, f"{code} goes with {names}, which is {state}: the line follows its "
                                   "procedure (correct or resolve that line first)", outcome=best,
                                action=None if best == "deny" else "send_documentation")))
    return hits


CHECKS: dict[str, Callable[[Any, ClaimContext], list[Hit]]] = {
    "max_units": check_max_units,
    "units_per_array": check_units_per_array,
    "lifetime_limit": check_lifetime_limit,
    "repeat_after_failure": check_repeat_after_failure,
    "bundle": check_bundle,
    "modifier_not_allowed": check_modifier_not_allowed,
    "global_period_modifier": check_global_period_modifier,
    "em_same_day": check_em_same_day,
    "frequency": check_frequency,
    "place_of_service": check_place_of_service,
    "documentation": check_documentation,
    "supply_setting": check_supply_setting,
    "supply_units": check_supply_units,
    "needs_procedure": check_needs_procedure,
}
#: kinds judged after every other edit, with the other lines' outcomes (``ClaimContext.outcomes``)
FOLLOWING: frozenset[str] = frozenset({"needs_procedure"})

__all__ = ["CHECKS", "FOLLOWING", "SURGICAL_EVENTS", "procedure_codes"]
