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

from dateutil.relativedelta import relativedelta

from . import case as c
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


FACTS: dict[str, FactSpec] = {}


def fact(
    name: str, label: str, kind: str, document: str, *, per_request: bool = False, reads: Sequence[str] = ()
) -> Callable[[Callable[[Facts], Evidence]], Callable[[Facts], Evidence]]:
    def register(fn: Callable[[Facts], Evidence]) -> Callable[[Facts], Evidence]:
        FACTS[name] = FactSpec(name, label, kind, document, per_request, fn, frozenset(reads))
        return fn

    return register


class CaseView:
    """A case's events sorted once and indexed by type, for cheap as-of queries."""

    __slots__ = ("_by_type", "_dates", "case", "ordered")

    def __init__(self, case: c.Case) -> None:
        self.case = case
        self.ordered: list[Any] = sorted(case.events, key=_event_key)
        self._by_type: dict[str, list[Any]] = {}
        for ev in self.ordered:
            self._by_type.setdefault(ev.type, []).append(ev)
        self._dates = {t: [e.date for e in evs] for t, evs in self._by_type.items()}

    def upto(self, kind: str, as_of: dt.date, history_only: bool) -> list[Any]:
        """Events of *kind* on or before *as_of*; with *history_only*, that day's procedures are left out."""
        evs = self._by_type.get(kind)
        if not evs:
            return []
        if history_only and evs[0].procedure:
            return evs[: bisect.bisect_left(self._dates[kind], as_of)]
        return evs[: bisect.bisect_right(self._dates[kind], as_of)]

    def on(self, kinds: Iterable[str], day: dt.date) -> list[Any]:
        return [e for k in kinds for e in self._by_type.get(k, ()) if e.date == day]


def _event_key(ev: Any) -> tuple[dt.date, dt.time]:
    """Date first; within a day, trial start and end times (other events sort as midnight)."""
    fields = ev.__dict__
    moment = fields.get("started_at") or fields.get("ended_at")
    return (ev.date, moment.time() if moment is not None else dt.time.min)


class Facts:
    """Lazily computed, memoised facts for one case as of one date (and one requested line)."""

    __slots__ = ("_cache", "as_of", "history_only", "judged", "line", "requested", "view")

    def __init__(
        self,
        view: CaseView,
        as_of: dt.date,
        *,
        history_only: bool = False,
        line: ServiceLine | None = None,
        requested: Sequence[ServiceLine] = (),
        cache: dict[str, Evidence] | None = None,
    ) -> None:
        self.view = view
        self.as_of = as_of
        self.history_only = history_only
        self.line = line
        self.requested = requested
        self._cache: dict[str, Evidence] = {} if cache is None else cache
        self.judged: dict[str, Any] = {}
        """Criterion judgements already made on these facts (filled by the pathway's guards)."""

    def for_line(self, line: ServiceLine) -> Facts:
        """The same case facts (shared cache) with *line* as the service in question."""
        return Facts(self.view, self.as_of, history_only=self.history_only, line=line,
                     requested=self.requested, cache=self._cache)

    def get(self, name: str) -> Evidence:
        spec = FACTS[name]
        if spec.per_request:
            return spec.compute(self)
        hit = self._cache.get(name)
        if hit is None:
            hit = self._cache[name] = spec.compute(self)
        return hit

    def events(self, kind: str) -> list[Any]:
        return self.view.upto(kind, self.as_of, self.history_only)


def months_inclusive(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from *start* through *end*, both days counted (Jan 15-Jul 14 = 6)."""
    if end < start:
        return 0
    if end == dt.date.max and start.year > 400:  # no day follows it: count 400 years earlier (same calendar)
        return months_inclusive(start.replace(year=start.year - 400), end.replace(year=end.year - 400))
    if end == dt.date.max:
        end -= dt.timedelta(days=1)
    span = relativedelta(end + dt.timedelta(days=1), start)
    return span.years * 12 + span.months


def _pct_less(before: float | None, after: float | None) -> float | None:
    """Per cent reduction, exact at the boundary (no 49.999... from binary floats)."""
    if before is None or after is None or before <= 0:
        return None
    return round((before - after) / before * 100, 4)  # rounding absorbs binary noise: 6.2 -> 3.1 is 50.0


def _ids(evs: Iterable[Any]) -> tuple[str, ...]:
    return tuple(e.id for e in evs)


def _latest(f: Facts, kind: str) -> Any | None:
    evs = f.events(kind)
    return evs[-1] if evs else None


def _attested(f: Facts, kind: str) -> Evidence:
    hits = [e for e in f.events("attestation") if e.kind == kind]
    return Evidence(hits[-1].value, (hits[-1].id,)) if hits else Evidence(None)


# --- conservative care -----------------------------------------------------------

MODALITY = {
    "medication": "pharmacological", "injection": "pharmacological",
    "physical_therapy": "physical", "home_exercise": "physical", "chiropractic": "physical",
    "acupuncture": "physical", "psychological_therapy": "psychological",
    "spine_surgery": "surgical", "other": "other",
}


def _care_months(f: Facts, supervised_only: bool) -> Evidence:
    done = [t for t in f.events("conservative_therapy")
            if t.outcome != "contraindicated" and (t.physician_supervised or not supervised_only)]
    if not done:
        return Evidence(None)
    start = min(t.start for t in done)
    end = max(min(t.end or f.as_of, f.as_of) for t in done)
    return Evidence(months_inclusive(start, end), _ids(done))


@fact("conservative_care_months", "conservative care, calendar months", "number",
      "conservative therapy records with start and end dates", reads=("conservative_therapy",))
def _conservative_months(f: Facts) -> Evidence:
    return _care_months(f, supervised_only=False)


@fact("supervised_conservative_care_months", "physician-supervised conservative care, calendar months",
      "number", "physician-supervised conservative therapy records with dates", reads=("conservative_therapy",))
def _supervised_months(f: Facts) -> Evidence:
    return _care_months(f, supervised_only=True)


@fact("failed_modalities", "modalities tried and unsatisfactory or contraindicated", "list",
      "conservative therapy records with their outcome", reads=("conservative_therapy", "prior_procedure"))
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
      "psychological evaluation report", reads=("psych_eval",))
def _psych_cleared(f: Facts) -> Evidence:
    ev = _latest(f, "psych_eval")
    return Evidence(ev.cleared, (ev.id,)) if ev else Evidence(None)


@fact("psych_evaluator_role", "who performed the psychological evaluation", "text",
      "psychological evaluation report naming the evaluator's credential", reads=("psych_eval",))
def _psych_role(f: Facts) -> Evidence:
    ev = _latest(f, "psych_eval")
    return Evidence(ev.evaluator_role, (ev.id,)) if ev else Evidence(None)


def _documented(f: Facts, kind: str) -> Evidence:
    evs = f.events(kind)
    return Evidence(True, (evs[-1].id,)) if evs else Evidence(None)


@fact("physical_exam_documented", "physical examination documented", "bool",
      "history and physical / office notes with the physical examination", reads=("physical_exam",))
def _physical(f: Facts) -> Evidence:
    return _documented(f, "physical_exam")


@fact("imaging_documented", "imaging of the spine documented", "bool", "imaging report (MRI/CT)", reads=("imaging",))
def _imaging(f: Facts) -> Evidence:
    return _documented(f, "imaging")


@fact("odi_score", "Oswestry Disability Index, %", "number", "Oswestry Disability Index questionnaire", reads=("odi",))
def _odi(f: Facts) -> Evidence:
    ev = _latest(f, "odi")
    return Evidence(ev.score, (ev.id,)) if ev else Evidence(None)


@fact("pain_score", "latest pain score, 0-10", "number", "pain score (NRS/VAS) in the office notes",
      reads=("pain_score",))
def _pain(f: Facts) -> Evidence:
    ev = _latest(f, "pain_score")
    return Evidence(ev.score, (ev.id,)) if ev else Evidence(None)


@fact("pain_duration_months", "months since the pain began", "number",
      "diagnosis with the date the pain began", reads=("diagnosis",))
def _pain_duration(f: Facts) -> Evidence:
    onsets = [d.onset for d in _diagnoses(f) if d.onset is not None]
    if not onsets:
        return Evidence(None)
    return Evidence(months_inclusive(min(onsets), f.as_of))


def _diagnoses(f: Facts) -> list[Any]:
    """The case's diagnoses plus those recorded since, as of the date; the latest word on a code wins."""
    latest: dict[str, Any] = {d.code: d for d in f.view.case.diagnoses}
    for ev in f.events("diagnosis"):
        latest[ev.code] = ev
    return [d for d in latest.values() if not isinstance(d, c.DiagnosisRecorded) or d.status == "active"]


@fact("diagnosis_codes", "ICD-10 diagnoses on the case", "list", "ICD-10 diagnosis codes",
      reads=("diagnosis",))
def _dx(f: Facts) -> Evidence:
    found = _diagnoses(f)
    return Evidence([d.code for d in found], tuple(d.id for d in found if isinstance(d, c.DiagnosisRecorded)))


@fact("active_substance_use", "active substance use", "bool", "substance use screening", reads=("substance_use",))
def _substance(f: Facts) -> Evidence:
    ev = _latest(f, "substance_use")
    return Evidence(ev.status == "active", (ev.id,)) if ev else Evidence(None)


@fact("cardiac_devices", "implanted cardiac devices", "list",
      "cardiac device history (pacemaker / ICD, or none)", reads=("cardiac_device",))
def _cardiac(f: Facts) -> Evidence:
    ev = _latest(f, "cardiac_device")
    return Evidence(sorted(ev.devices), (ev.id,)) if ev else Evidence(None)


@fact("late_resort_attested", "SCS attested as a late (if not last) resort", "bool",
      "physician attestation that SCS is a late resort", reads=("attestation",))
def _late(f: Facts) -> Evidence:
    return _attested(f, "late_resort")


@fact("facility_attested", "facility, equipment and staff for follow-up available", "bool",
      "facility / provider attestation of equipment and follow-up capability", reads=("attestation",))
def _facility(f: Facts) -> Evidence:
    return _attested(f, "facility_capability")


@fact("education_documented", "risks, benefits and alternatives discussed with the patient", "bool",
      "documentation of patient education and disclosure", reads=("attestation",))
def _education(f: Facts) -> Evidence:
    return _attested(f, "education_risks_benefits")


@fact("behavioral_health_attested", "behavioral-health attestation: no uncontrolled condition", "bool",
      "behavioral-health attestation", reads=("attestation",))
def _bh(f: Facts) -> Evidence:
    return _attested(f, "behavioral_health")


@fact("extenuating_circumstances_documented", "extenuating circumstances for a repeat trial", "bool",
      "documentation of the extenuating circumstances of the failed trial", reads=("attestation",))
def _extenuating(f: Facts) -> Evidence:
    return _attested(f, "extenuating_circumstances")


# --- trials ----------------------------------------------------------------------


def _last_trial(f: Facts) -> tuple[Any | None, Any | None]:
    placed = f.events("trial_placement")
    if not placed:
        return None, None
    p = placed[-1]
    outs = [o for o in f.events("trial_outcome") if o.ended_at >= p.started_at]
    return p, (outs[0] if outs else None)


def _trial_value(f: Facts, pick: Callable[[Any, Any], Any]) -> Evidence:
    p, o = _last_trial(f)
    if p is None or o is None:
        return Evidence(None, _ids(x for x in (p,) if x is not None))
    return Evidence(pick(p, o), (p.id, o.id))


@fact("trial_documented", "a trial with a recorded outcome precedes this request", "bool",
      "trial placement and trial outcome records", reads=("trial_placement", "trial_outcome"))
def _trial_documented(f: Facts) -> Evidence:
    return _trial_value(f, lambda p, o: True)


@fact("trial_hours", "length of the last trial, hours", "number", "trial start and end date-times",
      reads=("trial_placement", "trial_outcome"))
def _trial_hours(f: Facts) -> Evidence:
    return _trial_value(f, lambda p, o: round((o.ended_at - p.started_at).total_seconds() / 3600, 4))


@fact("trial_days", "length of the last trial, days", "number", "trial start and end date-times",
      reads=("trial_placement", "trial_outcome"))
def _trial_days(f: Facts) -> Evidence:
    return _trial_value(f, lambda p, o: round((o.ended_at - p.started_at).total_seconds() / 86400, 4))


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
    p, _ = _last_trial(f)
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


@fact("paddle_implants", "permanent paddle (63655) implants in a lifetime", "number", "implant history",
      reads=("lead_implant",))
def _paddles(f: Facts) -> Evidence:
    hits = [e for e in f.events("lead_implant") if e.approach == "paddle"]
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
    st = [s for s in f.events("generator_status") if s.date >= since]
    return Evidence(st[-1].status, (st[-1].id,)) if st else Evidence(None)


@fact("system_was_effective", "the implanted system relieved the pain", "bool",
      "follow-up notes showing the system was effective", reads=("generator_status",))
def _effective(f: Facts) -> Evidence:
    st = [s for s in f.events("generator_status") if s.therapy_effective is not None]
    return Evidence(st[-1].therapy_effective, (st[-1].id,)) if st else Evidence(None)


@fact("days_since_system_implant", "days since the generator was implanted", "number", "operative report",
      reads=_GENERATORS)
def _since_implant(f: Facts) -> Evidence:
    placed = _merged(f, _GENERATORS)
    if not placed:
        return Evidence(None)
    first = placed[-1]
    return Evidence((f.as_of - first.date).days, (first.id,))


@fact("days_since_last_programming", "days since the last analysis or programming", "number",
      "programming history", reads=("programming",))
def _since_programming(f: Facts) -> Evidence:
    sessions = f.events("programming")
    if not sessions:
        return Evidence(None)
    return Evidence((f.as_of - sessions[-1].date).days, (sessions[-1].id,))


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
    return Evidence(f.line.waveform if f.line else None)
