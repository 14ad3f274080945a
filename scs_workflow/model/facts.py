"""Facts: what the case shows, measured as of a date.

A fact is a *measurement* (months of conservative care, per cent pain relief in the
last trial); whether it is enough is a *rule*, and rules live in the policy YAML.
Every fact says which events it read, so a decision can show its evidence, and
which document would supply it when it is missing (``None`` means "not documented").
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import case as c
from . import running, windows
from .running import Contradiction as Contradiction
from .service import ServiceLine


class Evidence(NamedTuple):
    """A fact's value (``None`` when undocumented) and the ids of the events it read."""

    value: Any
    events: tuple[str, ...] = ()


@dataclass(frozen=True)
class FactSpec:
    name: str
    label: str
    kind: str  # number | bool | text | list
    document: str
    per_request: bool
    compute: Callable[[Facts], Evidence]
    reads: frozenset[str] = frozenset()
    """The event types it looks at: replay re-judges a milestone only when one of them arrives."""
    fields: frozenset[str] = frozenset()
    """Event fields it needs, each carried by at least one of the ``reads`` types (checked by validate)."""
    fold: Callable[[c.Case], running.Fold] | None = None
    """The same value kept as a running fold (:mod:`scs_workflow.model.running`), for replay's day-by-day facts."""


FACTS: dict[str, FactSpec] = {}
#: facts a criterion may measure on some ICD-10 codes' diagnoses only (``of_codes:`` in a test)
BY_CODES: dict[str, Callable[[Facts, frozenset[str]], Evidence]] = {}


def fact(
    name: str, label: str, kind: str, document: str, *, per_request: bool = False, reads: Sequence[str] = (),
    fields: Sequence[str] = (), fold: Callable[[c.Case], running.Fold] | None = None,
) -> Callable[[Callable[[Facts], Evidence]], Callable[[Facts], Evidence]]:
    def register(fn: Callable[[Facts], Evidence]) -> Callable[[Facts], Evidence]:
        FACTS[name] = FactSpec(name, label, kind, document, per_request, fn, frozenset(reads), frozenset(fields),
                               fold)
        return fn

    return register


class CaseView:
    """A case's events, corrected and sorted once and indexed by type, for cheap as-of queries.

    Corrections (:class:`~scs_workflow.model.case.Correction`) are applied here and only here, so
    every reader sees the corrected records: all of them, or only those recorded on or before
    *known_on*. Events in *excluding* (those the pathway's replay rejected) are left out.
    """

    __slots__ = ("_by_type", "_dates", "_runner", "case", "corrected_by", "excluded", "known_on", "ordered")

    def __init__(self, case: c.Case, *, known_on: dt.date | None = None,
                 excluding: frozenset[str] = frozenset()) -> None:
        self.case = case
        self.known_on = known_on
        self.excluded = excluding
        records, self.corrected_by = c.corrected(case.events, known_on)
        self.ordered: list[Any] = sorted((e for e in records if e.id not in excluding), key=_event_key)
        self._by_type: dict[str, list[Any]] = {}
        for ev in self.ordered:
            self._by_type.setdefault(ev.type, []).append(ev)
        self._dates = {t: [e.date for e in evs] for t, evs in self._by_type.items()}
        self._runner: running.Runner | None = None

    def running(self, name: str, fold: Callable[[c.Case], running.Fold], as_of: dt.date) -> Any:
        """Fact *name*'s value on *as_of* from its running fold (cheap for increasing dates)."""
        if self._runner is None:
            self._runner = running.Runner(self.case, self._by_type)
        return self._runner.value(name, fold, as_of)

    def known(self, as_of: dt.date) -> CaseView:
        """The view as known on *as_of*: corrections recorded later are not applied (self if none is)."""
        def applied(on: dt.date | None) -> list[str]:
            return [e.id for e in self.case.events if isinstance(e, c.Correction) and (on is None or e.date <= on)]

        if applied(self.known_on) == applied(as_of):
            return self
        return CaseView(self.case, known_on=as_of, excluding=self.excluded)

    def without(self, ids: frozenset[str]) -> CaseView:
        """The same view with the events *ids* left out (facts never read what replay rejected)."""
        if ids <= self.excluded:
            return self
        return CaseView(self.case, known_on=self.known_on, excluding=self.excluded | ids)

    def private(self) -> CaseView:
        """A copy of this view that :meth:`drop` may change (replay's own, once it rejects an event)."""
        return CaseView(self.case, known_on=self.known_on, excluding=self.excluded)

    def drop(self, ev: Any) -> None:
        """Leave *ev* out, in place: O(log n) to find it and a list deletion, not a new view (a case
        with thousands of rejected events stays O(n log n)). Only on a :meth:`private` copy; the
        caller sets ``excluded`` once it is done."""
        at = bisect.bisect_left(self.ordered, _event_key(ev), key=_event_key)
        while self.ordered[at].id != ev.id:
            at += 1
        del self.ordered[at]
        evs = self._by_type[ev.type]
        at = bisect.bisect_left(self._dates[ev.type], ev.date)
        while evs[at].id != ev.id:
            at += 1
        del evs[at], self._dates[ev.type][at]
        if self._runner is not None:
            self._runner.forget(ev.type, at)

    def upto(self, kind: str, as_of: dt.date, history_only: bool) -> list[Any]:
        """Events of *kind* on or before *as_of*; with *history_only*, that day's procedures are left out."""
        evs, n = self.prefix(kind, as_of, history_only)
        return evs[:n]

    def prefix(self, kind: str, as_of: dt.date, history_only: bool) -> tuple[list[Any], int]:
        """All the events of *kind* and how many of them :meth:`upto` takes (no copy: for reading from the end)."""
        evs = self._by_type.get(kind)
        if not evs:
            return [], 0
        if history_only and evs[0].procedure:
            return evs, bisect.bisect_left(self._dates[kind], as_of)
        return evs, bisect.bisect_right(self._dates[kind], as_of)

    def on(self, kinds: Iterable[str], day: dt.date) -> list[Any]:
        return [e for k in kinds for e in self._by_type.get(k, ()) if e.date == day]


def _event_key(ev: Any) -> tuple[dt.date, dt.time]:
    """Date first; within a day, trial start and end times (other events sort as midnight)."""
    fields = ev.__dict__
    moment = fields.get("started_at") or fields.get("ended_at")
    return (ev.date, moment.time() if moment is not None else dt.time.min)


class Facts:
    """Lazily computed, memoised facts for one case as of one date (and one requested line).

    *status_only* facts (replay's day by day) take the facts that have a running fold from it:
    the same value, without the list of events (only the facts of the date of service show it).
    """

    __slots__ = ("_cache", "as_of", "history_only", "judged", "line", "requested", "status_only", "view")

    def __init__(
        self,
        view: CaseView,
        as_of: dt.date,
        *,
        history_only: bool = False,
        line: ServiceLine | None = None,
        requested: Sequence[ServiceLine] = (),
        cache: dict[str, Evidence] | None = None,
        status_only: bool = False,
    ) -> None:
        self.view = view
        self.as_of = as_of
        self.history_only = history_only
        self.line = line
        self.requested = requested
        self.status_only = status_only and not history_only
        self._cache: dict[str, Evidence] = {} if cache is None else cache
        self.judged: dict[str, Any] = {}
        """Criterion judgements already made on these facts (filled by the pathway's guards)."""

    def for_line(self, line: ServiceLine) -> Facts:
        """The same case facts (shared cache) with *line* as the service in question."""
        return Facts(self.view, self.as_of, history_only=self.history_only, line=line,
                     requested=self.requested, cache=self._cache, status_only=self.status_only)

    def get(self, name: str) -> Evidence:
        spec = FACTS[name]
        if spec.per_request:
            return spec.compute(self)
        hit = self._cache.get(name)
        if hit is None:
            if self.status_only and spec.fold is not None:
                hit = Evidence(self.view.running(name, spec.fold, self.as_of))
            else:
                hit = spec.compute(self)
            self._cache[name] = hit
        return hit

    def get_among(self, name: str, codes: frozenset[str]) -> Evidence:
        """*name* measured on the diagnoses of *codes* only (:data:`BY_CODES`)."""
        key = f"{name}|{','.join(sorted(codes))}"
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = BY_CODES[name](self, codes)
        return hit

    def events(self, kind: str) -> list[Any]:
        return self.view.upto(kind, self.as_of, self.history_only)


def _pct_less(before: float | None, after: float | None) -> float | None:
    """Per cent reduction, exact at the boundary (no 49.999... from binary floats)."""
    if before is None or after is None or before <= 0:
        return None
    return round((before - after) / before * 100, 4)  # rounding absorbs binary noise: 6.2 -> 3.1 is 50.0


def _ids(evs: Iterable[Any]) -> tuple[str, ...]:
    return tuple(e.id for e in evs)


def _latest(evs: Sequence[Any], pick: Callable[[Any], Any]) -> Evidence:
    """*pick* of the latest record of *evs* (in date order); records of that date that disagree
    make the value a :class:`Contradiction` (insufficient), whatever their order in the file."""
    if not evs:
        return Evidence(None)
    last = _event_key(evs[-1])
    first = len(evs) - 1
    while first and _event_key(evs[first - 1]) == last:  # evs are in key order: the last moment is a tail
        first -= 1
    same = evs[first:]
    values = [pick(e) for e in same]
    if any(v != values[0] for v in values[1:]):
        return Evidence(Contradiction(
            f"contradictory records {', '.join(e.id for e in same)} on {same[0].date.isoformat()}"), _ids(same))
    return Evidence(values[0], _ids(same))


def _attested(f: Facts, kind: str) -> Evidence:
    return _latest([e for e in f.events("attestation") if e.kind == kind], lambda e: e.value)


def _attested_fold(kind: str) -> Callable[[c.Case], running.Fold]:
    return lambda case: running.Latest("attestation", lambda e: e.value, _event_key, lambda e: e.kind == kind)


# --- conservative care -----------------------------------------------------------

MODALITY = {
    "medication": "pharmacological", "injection": "pharmacological",
    "physical_therapy": "physical", "home_exercise": "physical", "chiropractic": "physical",
    "acupuncture": "physical", "psychological_therapy": "psychological",
    "spine_surgery": "surgical", "other": "other",
}


#: outcomes whose time counts as failed care: failed, partial relief (tried and unsatisfactory, NCD
#: 160.7 (b)) and ongoing (still tried, not improved: counted up to the as-of date). An episode that
#: ended "improved" is care that worked; "contraindicated" was never tried and has no duration.
FAILED_CARE = ("failed", "partial_relief", "ongoing")


def _care_months(f: Facts, supervised_only: bool) -> Evidence:
    """Calendar months covered by failed or ongoing therapies: the union of their intervals.

    Each therapy covers ``start`` to ``end`` (an ongoing one: to the as-of date; nothing
    after the as-of date counts), measured by :func:`scs_workflow.model.windows.months_covered`.
    A failed therapy without an end date could have lasted anywhere from its start to the
    as-of date: when that changes the whole months, the fact is unknown (pend for the dates).
    """
    tried = [t for t in f.events("conservative_therapy")
             if t.outcome not in ("contraindicated", "unsuitable") and (t.physician_supervised or not supervised_only)]
    if not tried:
        return Evidence(None)
    known: list[windows.Block] = []
    open_ended: list[windows.Block] = []
    counted: list[Any] = []
    for t in tried:
        if t.outcome not in FAILED_CARE or t.start > f.as_of:
            continue
        counted.append(t)
        if t.end is not None:
            known.append((t.start, min(t.end, f.as_of)))
        elif t.outcome == "ongoing":
            known.append((t.start, f.as_of))
        else:
            open_ended.append((t.start, f.as_of))
    least = windows.months_covered(known)
    if open_ended and windows.months_covered(known + open_ended) != least:
        return Evidence(None, _ids(counted))
    return Evidence(least, _ids(counted) or _ids(tried))


@fact("conservative_care_months", "failed or ongoing conservative care, calendar months covered", "number",
      "conservative therapy records with start and end dates", reads=("conservative_therapy",),
      fold=lambda case: running.CareMonths(False, FAILED_CARE))
def _conservative_months(f: Facts) -> Evidence:
    return _care_months(f, supervised_only=False)


@fact("supervised_conservative_care_months",
      "failed or ongoing physician-supervised conservative care, calendar months covered",
      "number", "physician-supervised conservative therapy records with dates", reads=("conservative_therapy",),
      fold=lambda case: running.CareMonths(True, FAILED_CARE))
def _supervised_months(f: Facts) -> Evidence:
    return _care_months(f, supervised_only=True)


@fact("failed_modalities", "modalities tried and unsatisfactory or contraindicated", "list",
      "conservative therapy records with their outcome", reads=("conservative_therapy", "prior_procedure"),
      fold=lambda case: running.Modalities(("failed", "partial_relief", "contraindicated"), MODALITY))
def _failed_modalities(f: Facts) -> Evidence:
    evs = [t for t in f.events("conservative_therapy")
           if t.outcome in ("failed", "partial_relief", "contraindicated")]
    surg = [p for p in f.events("prior_procedure") if p.kind == "spine_surgery"]
    if not evs and not surg:
        return Evidence(None)
    kinds = {MODALITY[t.kind] for t in evs} | ({"surgical"} if surg else set())
    return Evidence(sorted(kinds), _ids(evs) + _ids(surg))


# --- screening -------------------------------------------------------------------


@fact("psych_eval_cleared", "psychological evaluation cleared the patient", "bool",
      "psychological evaluation report", reads=("psych_eval",),
      fold=lambda case: running.Latest("psych_eval", lambda e: e.cleared, _event_key))
def _psych_cleared(f: Facts) -> Evidence:
    return _latest(f.events("psych_eval"), lambda e: e.cleared)


@fact("psych_evaluator_role", "who performed the psychological evaluation", "text",
      "psychological evaluation report naming the evaluator's credential", reads=("psych_eval",),
      fold=lambda case: running.Latest("psych_eval", lambda e: e.evaluator_role, _event_key))
def _psych_role(f: Facts) -> Evidence:
    return _latest(f.events("psych_eval"), lambda e: e.evaluator_role)


def _documented(f: Facts, kind: str) -> Evidence:
    evs = f.events(kind)
    return Evidence(True, (evs[-1].id,)) if evs else Evidence(None)


@fact("physical_exam_documented", "physical examination documented", "bool",
      "history and physical / office notes with the physical examination", reads=("physical_exam",),
      fold=lambda case: running.Documented("physical_exam"))
def _physical(f: Facts) -> Evidence:
    return _documented(f, "physical_exam")


@fact("imaging_documented", "imaging of the spine documented", "bool", "imaging report (MRI/CT)", reads=("imaging",),
      fold=lambda case: running.Documented("imaging"))
def _imaging(f: Facts) -> Evidence:
    return _documented(f, "imaging")


@fact("odi_score", "Oswestry Disability Index, %", "number", "Oswestry Disability Index questionnaire", reads=("odi",),
      fold=lambda case: running.Latest("odi", lambda e: e.score, _event_key))
def _odi(f: Facts) -> Evidence:
    return _latest(f.events("odi"), lambda e: e.score)


@fact("pain_score", "latest pain score, 0-10", "number", "pain score (NRS/VAS) in the office notes",
      reads=("pain_score",),
      fold=lambda case: running.Latest("pain_score", lambda e: e.score, _event_key))
def _pain(f: Facts) -> Evidence:
    return _latest(f.events("pain_score"), lambda e: e.score)


@fact("pain_duration_months", "months since the pain began", "number",
      "diagnosis with the date the pain began", reads=("diagnosis",),
      fold=lambda case: running.Diagnoses(case.diagnoses, _pain_months))
def _pain_duration(f: Facts) -> Evidence:
    onsets = [d.onset for d in _diagnoses(f) if d.onset is not None]
    if not onsets:
        return Evidence(None)
    return Evidence(windows.months_between(min(onsets), f.as_of))


def _pain_duration_among(f: Facts, codes: frozenset[str]) -> Evidence:
    """Months since the pain of one of *codes* began (the earliest onset among those diagnoses)."""
    onsets = [d.onset for d in _diagnoses(f) if d.code in codes and d.onset is not None]
    if not onsets:
        return Evidence(None)
    return Evidence(windows.months_between(min(onsets), f.as_of))


BY_CODES["pain_duration_months"] = _pain_duration_among


def _pain_months(found: list[Any], as_of: dt.date) -> Any:
    onsets = [d.onset for d in found if d.onset is not None]
    return windows.months_between(min(onsets), as_of) if onsets else None


def _codes(found: list[Any], as_of: dt.date) -> Any:
    return [d.code for d in found] or None


def _diagnoses(f: Facts) -> list[Any]:
    """The case's diagnoses plus those recorded since, as of the date; the latest word on a code wins."""
    latest: dict[str, Any] = {d.code: d for d in f.view.case.diagnoses}
    for ev in f.events("diagnosis"):
        latest[ev.code] = ev
    return [d for d in latest.values() if not isinstance(d, c.DiagnosisRecorded) or d.status == "active"]


@fact("diagnosis_codes", "ICD-10 diagnoses on the case", "list", "ICD-10 diagnosis codes",
      reads=("diagnosis",), fold=lambda case: running.Diagnoses(case.diagnoses, _codes))
def _dx(f: Facts) -> Evidence:
    found = _diagnoses(f)
    if not found:  # no diagnosis on file is "not documented", never "no indication"
        return Evidence(None)
    return Evidence([d.code for d in found], tuple(d.id for d in found if isinstance(d, c.DiagnosisRecorded)))


@fact("active_substance_use", "active substance use", "bool", "substance use screening", reads=("substance_use",),
      fold=lambda case: running.Latest("substance_use", lambda e: e.status == "active", _event_key))
def _substance(f: Facts) -> Evidence:
    return _latest(f.events("substance_use"), lambda e: e.status == "active")


@fact("cardiac_devices", "implanted cardiac devices", "list",
      "cardiac device history (pacemaker / ICD, or none)", reads=("cardiac_device",),
      fold=lambda case: running.Latest("cardiac_device", lambda e: sorted(e.devices), _event_key))
def _cardiac(f: Facts) -> Evidence:
    return _latest(f.events("cardiac_device"), lambda e: sorted(e.devices))


@fact("late_resort_attested", "SCS attested as a late (if not last) resort", "bool",
      "physician attestation that SCS is a late resort", reads=("attestation",),
      fold=_attested_fold("late_resort"))
def _late(f: Facts) -> Evidence:
    return _attested(f, "late_resort")


@fact("facility_attested", "facility, equipment and staff for follow-up available", "bool",
      "facility / provider attestation of equipment and follow-up capability", reads=("attestation",),
      fold=_attested_fold("facility_capability"))
def _facility(f: Facts) -> Evidence:
    return _attested(f, "facility_capability")


@fact("education_documented", "risks, benefits and alternatives discussed with the patient", "bool",
      "documentation of patient education and disclosure", reads=("attestation",),
      fold=_attested_fold("education_risks_benefits"))
def _education(f: Facts) -> Evidence:
    return _attested(f, "education_risks_benefits")


@fact("behavioral_health_attested", "behavioral-health attestation: no uncontrolled condition", "bool",
      "behavioral-health attestation", reads=("attestation",),
      fold=_attested_fold("behavioral_health"))
def _bh(f: Facts) -> Evidence:
    return _attested(f, "behavioral_health")


@fact("extenuating_circumstances_documented", "extenuating circumstances for a repeat trial", "bool",
      "documentation of the extenuating circumstances of the failed trial", reads=("attestation",),
      fold=_attested_fold("extenuating_circumstances"))
def _extenuating(f: Facts) -> Evidence:
    return _attested(f, "extenuating_circumstances")


# --- trials ----------------------------------------------------------------------


def _last_outcomes(f: Facts) -> tuple[Any | None, list[Any]]:
    """The last trial placed and its latest outcome records: of the outcomes recorded for it (ending
    after it started), those of the latest moment, in date order. Found from the end, so a case
    with thousands of trial outcomes stays linear."""
    placed, n = f.view.prefix("trial_placement", f.as_of, f.history_only)
    if not n:
        return None, []
    p = placed[n - 1]
    outcomes, n = f.view.prefix("trial_outcome", f.as_of, f.history_only)
    same: list[Any] = []
    for i in range(n - 1, -1, -1):
        o = outcomes[i]
        if o.ended_at < p.started_at:
            continue
        if same and _event_key(o) != _event_key(same[-1]):
            break
        same.append(o)
    same.reverse()
    return p, same


def _trial_value(f: Facts, pick: Callable[[Any, Any], Any]) -> Evidence:
    p, outs = _last_outcomes(f)
    if p is None or not outs:
        return Evidence(None, _ids(x for x in (p,) if x is not None))
    value, ids = _latest(outs, lambda o: pick(p, o))
    return Evidence(value, (p.id, *ids))


@fact("trial_documented", "a trial with a recorded outcome precedes this request", "bool",
      "trial placement and trial outcome records", reads=("trial_placement", "trial_outcome"))
def _trial_documented(f: Facts) -> Evidence:
    return _trial_value(f, lambda p, o: True)


@fact("trial_hours", "length of the last trial, hours", "number", "trial start and end date-times",
      reads=("trial_placement", "trial_outcome"))
def _trial_hours(f: Facts) -> Evidence:
    return _trial_value(f, lambda p, o: windows.trial_length_hours(p.started_at, o.ended_at))


@fact("trial_days", "length of the last trial, days", "number", "trial start and end date-times",
      reads=("trial_placement", "trial_outcome"))
def _trial_days(f: Facts) -> Evidence:
    return _trial_value(f, lambda p, o: windows.trial_length_days(p.started_at, o.ended_at))


@fact("trial_pain_reduction_pct", "pain reduction during the last trial, %", "number",
      "trial outcome with baseline and trial pain scores", reads=("trial_placement", "trial_outcome"))
def _trial_pain(f: Facts) -> Evidence:
    return _trial_value(f, lambda p, o: _pct_less(o.baseline_pain, o.trial_pain))


@fact("trial_analgesic_reduction_pct", "analgesic (MME) reduction during the last trial, %", "number",
      "trial outcome with baseline and trial analgesic use (MME)", reads=("trial_placement", "trial_outcome"))
def _trial_mme(f: Facts) -> Evidence:
    return _trial_value(f, lambda p, o: _pct_less(o.baseline_mme, o.trial_mme))


@fact("trial_function_improved", "function improved during the last trial", "bool",
      "trial outcome with functional assessment", reads=("trial_placement", "trial_outcome"))
def _trial_function(f: Facts) -> Evidence:
    return _trial_value(f, lambda p, o: o.function_improved)


@fact("trial_technical_failure", "the last trial failed for technical reasons", "bool",
      "trial outcome", reads=("trial_placement", "trial_outcome"))
def _trial_tech(f: Facts) -> Evidence:
    return _trial_value(f, lambda p, o: o.technical_failure)


@fact("trial_leads", "leads placed in the last trial", "number", "trial placement record",
      reads=("trial_placement", "trial_outcome"))
def _trial_leads(f: Facts) -> Evidence:
    p, _ = _last_outcomes(f)
    return Evidence(p.leads, (p.id,)) if p else Evidence(None)


@fact("prior_trials_in_region", "trials already done in the requested spinal region (lifetime)",
      "number", "trial history", per_request=True, reads=("trial_placement",))
def _trials_in_region(f: Facts) -> Evidence:
    trials = f.events("trial_placement")
    region = f.line.region if f.line else None
    if region is None:
        counts: dict[str, list[Any]] = {}
        for t in trials:
            counts.setdefault(t.region, []).append(t)
        hits = max(counts.values(), key=len, default=[])
    else:
        hits = [t for t in trials if t.region == region]
    return Evidence(len(hits), _ids(hits))


@fact("trial_units_with_request", "63650 trial units in a lifetime, this request included", "number",
      "trial history", per_request=True, reads=("trial_placement",))
def _trial_units(f: Facts) -> Evidence:
    trials = f.events("trial_placement")
    asked = f.line.units if f.line else 0
    return Evidence(sum(t.leads for t in trials) + asked, _ids(trials))


# --- implanted system --------------------------------------------------------------

_IMPLANTS = ("lead_implant", "integrated_implant", "existing_system")
_GENERATORS = ("generator_implant", "generator_replacement", "integrated_implant", "existing_system")
_PLACED_TODAY = ("trial_placement", "lead_implant", "integrated_implant", "generator_implant",
                 "generator_replacement")


def _is_integrated(ev: Any) -> bool:
    return bool(ev.type == "integrated_implant" or (ev.type == "existing_system" and ev.system == "integrated"))


def _merged(f: Facts, kinds: Sequence[str]) -> list[Any]:
    evs = [e for k in kinds for e in f.events(k)]
    evs.sort(key=_event_key)
    return evs


@fact("paddle_implants", "permanent paddle (63655) implants in a lifetime", "number",
      "implant history (operative reports, prior SCS implants with their approach)",
      reads=("lead_implant", "prior_procedure"))
def _paddles(f: Facts) -> Evidence:
    hits = _merged(f, ("lead_implant", "prior_procedure"))
    hits = [e for e in hits if getattr(e, "approach", None) == "paddle"]  # prior: scs_implant only
    return Evidence(len(hits), _ids(hits))


@fact("lead_approach", "how the implanted leads were placed", "text", "operative report",
      reads=(*_IMPLANTS, "lead_revision"))
def _approach(f: Facts) -> Evidence:
    evs = _merged(f, _IMPLANTS + ("lead_revision",))
    if not evs:
        return Evidence(None)
    last = evs[-1]
    return Evidence("integrated" if _is_integrated(last) else last.approach, (last.id,))


@fact("system_type", "implanted system: conventional or integrated", "text", "operative report",
      reads=(*_GENERATORS, "lead_implant"))
def _system_type(f: Facts) -> Evidence:
    evs = _merged(f, _GENERATORS + ("lead_implant",))
    if not evs:
        return Evidence(None)
    last = evs[-1]
    return Evidence("integrated" if _is_integrated(last) else "conventional", (last.id,))


@fact("generator_problem", "state of the implanted generator", "text",
      "generator interrogation showing end of life or malfunction", reads=(*_GENERATORS, "generator_status"))
def _gen_problem(f: Facts) -> Evidence:
    placed = _merged(f, _GENERATORS)
    since = placed[-1].date if placed else dt.date.min
    return _latest([s for s in f.events("generator_status") if s.date >= since], lambda s: s.status)


@fact("system_was_effective", "the implanted system relieved the pain", "bool",
      "follow-up notes showing the system was effective", reads=("generator_status",))
def _effective(f: Facts) -> Evidence:
    return _latest([s for s in f.events("generator_status") if s.therapy_effective is not None],
                   lambda s: s.therapy_effective)


@fact("days_since_system_implant", "days since the generator was implanted", "number", "operative report",
      reads=_GENERATORS)
def _since_implant(f: Facts) -> Evidence:
    placed = _merged(f, _GENERATORS)
    if not placed:
        return Evidence(None)
    first = placed[-1]
    return Evidence(windows.days_between(first.date, f.as_of), (first.id,))


@fact("days_since_last_programming", "days since the last analysis or programming", "number",
      "programming history", reads=("programming",))
def _since_programming(f: Facts) -> Evidence:
    sessions = f.events("programming")
    if not sessions:
        return Evidence(None)
    return Evidence(windows.days_between(sessions[-1].date, f.as_of), (sessions[-1].id,))


@fact("implant_on_service_date", "an implant is performed on the date of service", "bool",
      "operative report", reads=_PLACED_TODAY)
def _implant_today(f: Facts) -> Evidence:
    hits = f.view.on(_PLACED_TODAY, f.as_of)
    return Evidence(bool(hits), _ids(hits))


# --- the request -------------------------------------------------------------------


@fact("requested_codes", "codes requested for the same date of service", "list",
      "the request", per_request=True, reads=())
def _requested(f: Facts) -> Evidence:
    return Evidence(sorted({ln.code for ln in f.requested}))


@fact("requested_units", "units requested on this line", "number", "the request", per_request=True, reads=())
def _units(f: Facts) -> Evidence:
    return Evidence(f.line.units if f.line else None)


@fact("requested_contacts", "electrode contacts requested on this line", "number",
      "the request: number of contacts", per_request=True, reads=())
def _contacts(f: Facts) -> Evidence:
    return Evidence(f.line.contacts if f.line else None)


@fact("requested_waveform", "stimulation mode requested", "text",
      "the request: device and stimulation mode", per_request=True, reads=())
def _waveform(f: Facts) -> Evidence:
    """The line's own mode; a line without one takes the mode the request states, if only one."""
    if f.line is not None and f.line.waveform is not None:
        return Evidence(f.line.waveform)
    stated = {ln.waveform for ln in f.requested if ln.waveform is not None}
    return Evidence(stated.pop() if len(stated) == 1 else None)


# --- NCD 160.7 (b): the four modalities, and in-person physical therapy ------------------

NCD_MODALITIES = ("pharmacological", "physical", "psychological", "surgical")


@fact("modalities_addressed", "modalities tried and unsatisfactory, or judged unsuitable or contraindicated",
      "list", "a record for each modality (pharmacological, physical, psychological, surgical): tried and "
      "unsatisfactory, or why it is unsuitable or contraindicated",
      reads=("conservative_therapy", "prior_procedure"), fields=("kind", "outcome"),
      fold=lambda case: running.Modalities(
          ("failed", "partial_relief", "contraindicated", "unsuitable"), MODALITY, lambda m: m in NCD_MODALITIES))
def _modalities_addressed(f: Facts) -> Evidence:
    """One failed medication addresses one modality: NCD 160.7 (b) names four."""
    evs = [t for t in f.events("conservative_therapy")
           if t.outcome in ("failed", "partial_relief", "contraindicated", "unsuitable")]
    surg = [p for p in f.events("prior_procedure") if p.kind == "spine_surgery"]
    if not evs and not surg:
        return Evidence(None)
    kinds = {MODALITY[t.kind] for t in evs} | ({"surgical"} if surg else set())
    return Evidence(sorted(k for k in kinds if k in NCD_MODALITIES), _ids(evs) + _ids(surg))


@fact("in_person_pt_weeks_past_year", "weeks of formal in-person physical therapy in the past 12 months",
      "number", "physical therapy records (in person, with weeks or start and end dates)",
      reads=("conservative_therapy",), fields=("kind", "in_person", "weeks", "start", "end", "outcome"))
def _in_person_pt_weeks(f: Facts) -> Evidence:
    """A course counts when it ran in the 12 months before the date; its ``weeks``, else whole weeks of its dates."""
    since = windows.add_months(f.as_of, -12)
    pt = [t for t in f.events("conservative_therapy")
          if t.kind == "physical_therapy" and t.outcome not in ("contraindicated", "unsuitable")]
    if not pt:
        return Evidence(None)
    recent = [t for t in pt if min(t.end or f.as_of, f.as_of) >= since]
    if any(t.in_person is None for t in recent):  # in person or remote, not stated: unknown, never assumed
        return Evidence(None, _ids(pt))
    courses = [t for t in recent if t.in_person]
    weeks = sum(t.weeks if t.weeks is not None else ((min(t.end or f.as_of, f.as_of) - t.start).days + 1) // 7
                for t in courses)
    return Evidence(weeks, _ids(pt))


# --- revision, removal and replacement: the documented indication ---------------------

_DEVICE_PROCEDURES = ("lead_implant", "generator_implant", "generator_replacement", "integrated_implant",
                      "lead_revision", "existing_system")
_ATTESTED_INDICATION = {"patient_requests_removal": "patient_request", "mri_needed": "mri_needed"}


@fact("device_indications", "documented reasons to revise, remove or replace the implanted system", "list",
      "documentation of the indication: complication, infection, malfunction, end of battery life, "
      "loss of effect, the patient's request, or the need for an MRI",
      reads=(*_DEVICE_PROCEDURES, "complication", "generator_status", "attestation"),
      fields=("kind", "status", "therapy_effective", "value"))
def _device_indications(f: Facts) -> Evidence:
    """Indications documented since the last procedure on the system (that procedure dealt with the earlier ones)."""
    done = _merged(f, _DEVICE_PROCEDURES)
    since = done[-1].date if done else dt.date.min
    found: dict[str, list[str]] = {}
    for ev in f.events("complication"):
        if ev.date >= since:
            found.setdefault("infection" if ev.kind == "infection" else "complication", []).append(ev.id)
    # the generator's latest status: records of that date that disagree are unknown, never file order
    latest = _latest([s for s in f.events("generator_status") if s.date >= since],
                     lambda s: (s.status, s.therapy_effective))
    if latest.value is not None and not isinstance(latest.value, Contradiction):
        status, effective = latest.value
        if status in ("malfunction", "end_of_life"):
            found.setdefault("malfunction" if status == "malfunction" else "end_of_battery_life",
                             []).extend(latest.events)
        if effective is False:
            found.setdefault("loss_of_effect", []).extend(latest.events)
    for ev in f.events("attestation"):
        if ev.kind in _ATTESTED_INDICATION and ev.date >= since and ev.value:
            found.setdefault(_ATTESTED_INDICATION[ev.kind], []).append(ev.id)
    if not found:
        return latest if isinstance(latest.value, Contradiction) else Evidence(None)
    return Evidence(sorted(found), tuple(i for ids in found.values() for i in ids))


# --- analysis and programming: the level the session documents -------------------------


@fact("programming_parameters_changed", "parameters adjusted at the programming session on the date of service",
      "number", "programming record with the parameters adjusted", reads=("programming",),
      fields=("parameters_changed",))
def _parameters_changed(f: Facts) -> Evidence:
    sessions = [s for s in f.view.on(("programming",), f.as_of) if s.parameters_changed is not None]
    if not sessions:
        return Evidence(None)
    return Evidence(max(s.parameters_changed for s in sessions), _ids(sessions))
