"""The floor: Medicare's SCS rules for a few codes, hand-written in plain Python.

What ``bench_decide.py`` measures the engine against. Same input as ``Engine.decide``
(a validated :class:`~scs_workflow.case.Case`, the requested codes, the date of
service) and the same answer for what it covers: the pathway state and, per code, the
outcome and the ids of the criteria that fail or lack evidence. It reads the events
directly: no facts, no criteria closures, no ``transitions``, no explanation, no
pydantic output. It follows ``workflows/medicare.yaml`` as of this writing, including
the replay rules of :mod:`scs_workflow.pathway` (milestones are judged before and after
every procedure, after every event a milestone reads, and as of the date of service).
``tests/bench/test_bench_floor.py`` checks it against the engine on the synthetic
Medicare mix, so a policy change that the floor does not follow fails a test.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Sequence
from typing import Any

from scs_workflow.case import Case
from scs_workflow.service import ServiceLine

MET, NOT_MET, INSUFFICIENT = "met", "not_met", "insufficient"

# --- the policy, written out --------------------------------------------------------------

DX_CODES = frozenset({
    "M96.1", "G90.50", "G90.511", "G90.512", "G90.513", "G90.519", "G90.521", "G90.522", "G90.523", "G90.529",
    "G90.59", "G56.40", "G56.41", "G56.42", "G56.43", "G57.70", "G57.71", "G57.72", "G57.73",
    "M54.10", "M54.11", "M54.12", "M54.13", "M54.14", "M54.15", "M54.16", "M54.17", "M54.18",
    "M51.14", "M51.15", "M51.16", "M51.17", "M50.10", "M50.11", "M50.120", "M50.121", "M50.122", "M50.123",
    "M50.13", "E10.42", "E11.42", "E13.42", "G03.9", "G54.6", "B02.23", "B02.29", "G54.0", "G54.1"})
MODALITIES = frozenset({"pharmacological", "physical", "psychological", "surgical"})
MODALITY = {"medication": "pharmacological", "injection": "pharmacological", "physical_therapy": "physical",
            "home_exercise": "physical", "chiropractic": "physical", "acupuncture": "physical",
            "psychological_therapy": "psychological", "spine_surgery": "surgical", "other": "other"}
ADDRESSED = ("failed", "partial_relief", "contraindicated", "unsuitable")
SIMPLE_MAX = 3
PSYCH_ROLES = frozenset({"psychiatrist", "psychologist", "clinical_social_worker", "npp_supervised"})
MAX_LEADS, MAX_CONTACTS, MAX_TRIALS_PER_REGION, MAX_TRIAL_UNITS = 2, 16, 2, 4
RELIEF_PCT, ANALGESIC_PCT, PROGRAMMING_DAYS, FIRST_MONTH_DAYS = 50, 50, 30, 30

# unguarded event transitions: (trigger, source) -> dest
MOVES: dict[tuple[str, str], str] = {
    ("trial_placement", "candidate"): "trial_active", ("trial_placement", "trial_technical_failure"): "trial_active",
    ("existing_system", "intake"): "system_implanted",
    ("existing_system", "conservative_care_failed"): "system_implanted",
    ("existing_system", "candidate"): "system_implanted",
    ("lead_implant", "trial_succeeded"): "leads_implanted", ("lead_implant", "leads_removed"): "system_implanted",
    ("generator_implant", "leads_implanted"): "system_implanted",
    ("integrated_implant", "trial_succeeded"): "system_implanted",
    ("programming", "system_implanted"): "in_follow_up", ("programming", "in_follow_up"): "in_follow_up",
    ("lead_revision", "leads_implanted"): "leads_implanted", ("lead_revision", "system_implanted"): "system_implanted",
    ("lead_revision", "in_follow_up"): "in_follow_up",
    ("generator_replacement", "system_implanted"): "system_implanted",
    ("generator_replacement", "in_follow_up"): "system_implanted",
    ("generator_replacement", "generator_removed"): "system_implanted",
    ("generator_removal", "system_implanted"): "generator_removed",
    ("generator_removal", "in_follow_up"): "generator_removed",
    ("lead_removal", "system_implanted"): "leads_removed", ("lead_removal", "in_follow_up"): "leads_removed",
    ("lead_removal", "leads_implanted"): "explanted", ("lead_removal", "generator_removed"): "explanted",
    ("explant", "leads_implanted"): "explanted", ("explant", "system_implanted"): "explanted",
    ("explant", "in_follow_up"): "explanted", ("explant", "generator_removed"): "explanted",
    ("explant", "leads_removed"): "explanted",
}
TRIGGERS = frozenset({t for t, _ in MOVES} | {"trial_outcome"})
WATCH = {"intake": frozenset({"conservative_therapy", "prior_procedure"}),
         "conservative_care_failed": frozenset({"psych_eval", "physical_exam"})}

# the pathway map the engine walks to find the nearest allowed state: (trigger, source, dest, auto, requires)
HOPS: tuple[tuple[str, str, str, bool, tuple[str, ...]], ...] = (
    ("conservative_care_documented", "intake", "conservative_care_failed", True, ("conservative_care",)),
    ("screening_complete", "conservative_care_failed", "candidate", True, ("psych_eval", "physical_eval")),
    ("trial_placement", "candidate", "trial_active", False, ()),
    ("trial_placement", "trial_technical_failure", "trial_active", False, ()),
    ("trial_placement", "trial_failed", "trial_active", False, ("repeat_trial_justified",)),
    ("trial_outcome", "trial_active", "trial_technical_failure", False, ("trial_technical_failure",)),
    ("trial_outcome", "trial_active", "trial_succeeded", False, ("trial_relief",)),
    ("trial_outcome", "trial_active", "trial_failed", False, ()),
) + tuple((t, s, d, False, ()) for (t, s), d in MOVES.items() if t not in ("trial_placement", "existing_system"))

_TRIAL = ("chronic_intractable_pain_dx", "late_resort", "conservative_care", "psych_eval", "physical_eval", "facility",
          "no_active_substance_abuse", "patient_education", "trials_per_region", "trial_units_lifetime", "lead_limit")
_REPEAT = ("chronic_intractable_pain_dx", "late_resort", "psych_eval", "physical_eval", "facility",
           "no_active_substance_abuse", "patient_education", "repeat_trial_justified", "trials_per_region",
           "trial_units_lifetime", "lead_limit")
_PROGRAMMING = ("programming_frequency", "not_on_implant_day")
_DEVICE = ("device_indication",)
# code -> [(use, states, criteria)], in the policy's order
GATES: dict[str, list[tuple[str, frozenset[str], tuple[str, ...]]]] = {
    "63650": [("trial", frozenset({"candidate", "trial_technical_failure"}), _TRIAL),
              ("repeat_trial", frozenset({"trial_failed"}), _REPEAT),
              ("permanent", frozenset({"trial_succeeded"}), (
                  "chronic_intractable_pain_dx", "facility", "trial_precedes_permanent", "trial_relief", "lead_limit",
                  "integrated_not_with_conventional"))],
    "63685": [("initial", frozenset({"trial_succeeded", "leads_implanted"}), (
                  "chronic_intractable_pain_dx", "trial_precedes_permanent", "trial_relief",
                  "integrated_not_with_conventional")),
              ("replacement", frozenset({"system_implanted", "in_follow_up"}), (
                  "replacement_reason", "system_was_working", "integrated_not_with_conventional",
                  "conventional_generator_in_place", *_DEVICE)),
              ("reinsertion", frozenset({"generator_removed"}), ("integrated_not_with_conventional",))],
    "95970": [("analysis", frozenset({"system_implanted", "in_follow_up"}),
               (*_PROGRAMMING, "analysis_not_with_programming", "analysis_without_programming"))],
    "95971": [("analysis", frozenset({"system_implanted", "in_follow_up"}), (*_PROGRAMMING, "simple_programming"))],
    "95972": [("analysis", frozenset({"system_implanted", "in_follow_up"}), (*_PROGRAMMING, "complex_programming"))],
}
CODES = tuple(GATES)
_GENERATORS = ("generator_implant", "generator_replacement", "integrated_implant", "existing_system")
_PLACED_TODAY = frozenset({"trial_placement", "lead_implant", "integrated_implant", "generator_implant",
                           "generator_replacement"})


def _route(start: str, targets: frozenset[str]) -> list[tuple[str, str, str, bool, tuple[str, ...]]] | None:
    seen, queue = {start}, deque([(start, list[Any]())])
    while queue:
        state, path = queue.popleft()
        for hop in HOPS:
            if hop[1] != state or hop[2] in seen:
                continue
            if hop[2] in targets:
                return [*path, hop]
            seen.add(hop[2])
            queue.append((hop[2], [*path, hop]))
    return None


def _choose(code: str, state: str) -> tuple[str, tuple[str, ...], bool, bool]:
    """(use, criteria to judge, fits, by paperwork only) for *code* in *state*: worked out once per pair."""
    uses = GATES[code]
    for use, states, crits in uses:
        if state in states:
            return use, crits, True, True
    best: tuple[int, int, int] | None = None
    for i, (_, states, _) in enumerate(uses):
        path = _route(state, states)
        if path is not None:
            key = (0 if all(h[3] for h in path) else 1, len(path), i)
            best = key if best is None or key[:2] < best[:2] else best
    if best is None:
        return uses[0][0], uses[0][2], False, False
    use, states, crits = uses[best[2]]
    path = _route(state, states) or []
    paperwork = best[0] == 0
    if paperwork:
        crits = crits + tuple(c for h in path for c in h[4] if c not in crits)
    return use, crits, False, paperwork


CHOICE = {(code, state): _choose(code, state) for code in GATES
          for state in {h[1] for h in HOPS} | {h[2] for h in HOPS}}


# --- the case ----------------------------------------------------------------------------


def _key(ev: Any) -> tuple[dt.date, dt.time]:
    moment = ev.__dict__.get("started_at") or ev.__dict__.get("ended_at")
    return (ev.date, moment.time() if moment is not None else dt.time.min)


def _pct(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before <= 0:
        return None
    return round((before - after) / before * 100, 4)


def _trial(placements: list[Any], outcomes: list[Any]) -> tuple[Any, Any]:
    if not placements:
        return None, None
    p = placements[-1]
    return p, next((o for o in outcomes if o.ended_at >= p.started_at), None)


def _relief(p: Any, o: Any) -> str:
    if p is None or o is None:
        return INSUFFICIENT
    pain, mme = _pct(o.baseline_pain, o.trial_pain), _pct(o.baseline_mme, o.trial_mme)
    if (pain is not None and pain >= RELIEF_PCT) or (mme is not None and mme >= ANALGESIC_PCT):
        return MET
    return INSUFFICIENT if pain is None or mme is None else NOT_MET


def _tri(value: Any) -> str:
    return INSUFFICIENT if value is None else (MET if value is True else NOT_MET)


def _replay(events: list[Any], day: dt.date) -> str:
    state = "intake"
    psych = exam = extenuating = None  # as of the day being replayed
    care: set[str] = set()
    placements: list[Any] = []
    outcomes: list[Any] = []
    i, n = 0, len(events)
    while i < n and events[i].date <= day:
        today = events[i].date
        j = i
        while j < n and events[j].date == today:  # a day's facts include all of that day's events
            ev = events[j]
            kind = ev.type
            if kind == "conservative_therapy" and ev.outcome in ADDRESSED:
                care.add(MODALITY[ev.kind])
            elif kind == "prior_procedure" and ev.kind == "spine_surgery":
                care.add("surgical")
            elif kind == "psych_eval":
                psych = ev.cleared and ev.evaluator_role in PSYCH_ROLES
            elif kind == "physical_exam":
                exam = True
            elif kind == "attestation" and ev.kind == "extenuating_circumstances":
                extenuating = ev.value
            elif kind == "trial_placement":
                placements.append(ev)
            elif kind == "trial_outcome":
                outcomes.append(ev)
            j += 1
        for ev in events[i:j]:
            kind = ev.type
            if today == day and ev.procedure:
                continue  # the service under review, not history
            if kind in TRIGGERS:
                state = _settle(state, care, psych, exam)
                if kind == "trial_outcome":
                    if state == "trial_active":
                        p, o = _trial(placements, outcomes)
                        tech = INSUFFICIENT if o is None else (MET if o.technical_failure else NOT_MET)
                        relief = _relief(p, o)
                        if tech == MET:
                            state = "trial_technical_failure"
                        elif tech == NOT_MET and relief == MET:
                            state = "trial_succeeded"
                        elif tech == NOT_MET and relief == NOT_MET:
                            state = "trial_failed"
                elif kind == "trial_placement" and state == "trial_failed":
                    if extenuating is True:
                        state = "trial_active"
                else:
                    state = MOVES.get((kind, state), state)
                state = _settle(state, care, psych, exam)
            elif kind in WATCH.get(state, ()):
                state = _settle(state, care, psych, exam)
        i = j
    return _settle(state, care, psych, exam)


def _settle(state: str, care: set[str], psych: bool | None, exam: bool | None) -> str:
    if state == "intake" and care >= MODALITIES:
        state = "conservative_care_failed"
    if state == "conservative_care_failed" and psych and exam:
        state = "candidate"
    return state


def decide_floor(
    case: Case, codes: Sequence[str | ServiceLine], day: dt.date
) -> tuple[str, list[tuple[str, str, list[str]]]]:
    """(pathway state, [(code, outcome, failing criterion ids)]) for a Medicare *case* on *day*."""
    events: list[Any] = sorted(case.events, key=_key)
    state = _replay(events, day)
    lines = [c if isinstance(c, ServiceLine) else ServiceLine(code=c) for c in codes]
    requested = {ln.code for ln in lines}

    att: dict[str, bool] = {}
    care: set[str] = set()
    device_done = dt.date.min  # the last procedure on the system: it dealt with the indications before it
    indications: list[Any] = []
    sessions = [ev.parameters_changed for ev in events
                if ev.type == "programming" and ev.date == day and ev.parameters_changed is not None]
    psych = substance = last_programming = generator_day = system = None
    system_key: tuple[Any, ...] | None = None
    exam = False
    placements: list[Any] = []
    outcomes: list[Any] = []
    statuses: list[Any] = []
    placed_today = False
    for ev in events:
        if ev.date > day:
            break
        kind = ev.type
        if ev.date == day and kind in _PLACED_TODAY:
            placed_today = True
        if ev.date == day and ev.procedure:
            continue
        if kind in ("lead_implant", "generator_implant", "generator_replacement", "integrated_implant",
                    "lead_revision", "existing_system"):
            device_done = max(device_done, ev.date)
        if kind in ("complication", "attestation"):
            indications.append(ev)
        if kind == "attestation":
            att[ev.kind] = ev.value
        elif kind == "conservative_therapy":
            if ev.outcome in ADDRESSED:
                care.add(MODALITY[ev.kind])
        elif kind == "prior_procedure":
            if ev.kind == "spine_surgery":
                care.add("surgical")
        elif kind == "psych_eval":
            psych = ev.cleared and ev.evaluator_role in PSYCH_ROLES
        elif kind == "physical_exam":
            exam = True
        elif kind == "substance_use":
            substance = ev.status == "active"
        elif kind == "trial_placement":
            placements.append(ev)
        elif kind == "trial_outcome":
            outcomes.append(ev)
        elif kind == "programming":
            last_programming = ev.date
        elif kind == "generator_status":
            statuses.append(ev)
        if kind in _GENERATORS or kind == "lead_implant":  # the engine merges these kinds in this order
            rank = (*_key(ev), (*_GENERATORS, "lead_implant").index(kind))
            if system_key is None or rank >= system_key:
                system_key = rank
                integrated = kind == "integrated_implant" or (kind == "existing_system" and ev.system == "integrated")
                system = "integrated" if integrated else "conventional"
            if kind in _GENERATORS:
                generator_day = ev.date
    p, o = _trial(placements, outcomes)
    since = generator_day or dt.date.min
    problem = next((s.status for s in reversed(statuses) if s.date >= since), None)
    effective = next((s.therapy_effective for s in reversed(statuses) if s.therapy_effective is not None), None)
    dx = any(d.code in DX_CODES for d in case.diagnoses)
    recent = [s for s in statuses if s.date >= device_done]
    indicated = any(ev.date >= device_done and (ev.type == "complication" or (
        ev.kind in ("patient_requests_removal", "mri_needed") and ev.value)) for ev in indications) or bool(
        recent and (recent[-1].status in ("malfunction", "end_of_life") or recent[-1].therapy_effective is False))
    changed = max(sessions) if sessions else None

    out = []
    for line in lines:
        _, crits, fits, paperwork = CHOICE[(line.code, state)]
        failing: list[str] = []
        worst = MET
        for cid in crits:
            if cid == "chronic_intractable_pain_dx":
                st = MET if dx else NOT_MET
            elif cid in ("late_resort", "facility", "patient_education", "repeat_trial_justified"):
                st = _tri(att.get({"late_resort": "late_resort", "facility": "facility_capability",
                                   "patient_education": "education_risks_benefits",
                                   "repeat_trial_justified": "extenuating_circumstances"}[cid]))
            elif cid == "conservative_care":
                st = MET if care >= MODALITIES else INSUFFICIENT
            elif cid == "psych_eval":
                st = _tri(psych)
            elif cid == "physical_eval":
                st = MET if exam else INSUFFICIENT
            elif cid == "no_active_substance_abuse":
                st = INSUFFICIENT if substance is None else (NOT_MET if substance else MET)
            elif cid == "trials_per_region":
                counts: dict[str, int] = {}
                for t in placements:
                    counts[t.region] = counts.get(t.region, 0) + 1
                in_region = counts.get(line.region, 0) if line.region else max(counts.values(), default=0)
                st = MET if in_region < MAX_TRIALS_PER_REGION else NOT_MET
            elif cid == "trial_units_lifetime":
                st = MET if sum(t.leads for t in placements) + line.units <= MAX_TRIAL_UNITS else NOT_MET
            elif cid == "lead_limit":
                st = MET if line.units <= MAX_LEADS and (line.contacts is None or line.contacts <= MAX_CONTACTS) \
                    else NOT_MET
            elif cid == "trial_precedes_permanent":
                st = INSUFFICIENT if p is None or o is None else MET
            elif cid == "trial_relief":
                st = _relief(p, o)
            elif cid == "integrated_not_with_conventional":
                st = NOT_MET if "0784T" in requested and requested & {"63650", "63685"} else MET
            elif cid == "replacement_reason":
                st = INSUFFICIENT if problem is None else (
                    MET if problem in ("end_of_life", "malfunction") else NOT_MET)
            elif cid == "system_was_working":
                st = _tri(effective)
            elif cid == "conventional_generator_in_place":
                st = INSUFFICIENT if system is None else (MET if system == "conventional" else NOT_MET)
            elif cid == "programming_frequency":
                if last_programming is None or (day - last_programming).days >= PROGRAMMING_DAYS:
                    st = MET
                elif generator_day is None:
                    st = INSUFFICIENT
                else:
                    st = MET if (day - generator_day).days <= FIRST_MONTH_DAYS else NOT_MET
            elif cid == "not_on_implant_day":
                st = NOT_MET if placed_today else MET
            elif cid == "analysis_not_with_programming":
                st = NOT_MET if requested & {"95971", "95972"} else MET
            elif cid == "device_indication":
                st = MET if indicated else INSUFFICIENT
            elif cid in ("analysis_without_programming", "simple_programming", "complex_programming"):
                fits_level = {"analysis_without_programming": lambda n: n == 0,
                              "simple_programming": lambda n: 1 <= n <= SIMPLE_MAX,
                              "complex_programming": lambda n: n > SIMPLE_MAX}[cid]
                st = INSUFFICIENT if changed is None else (MET if fits_level(changed) else NOT_MET)
            else:  # pragma: no cover - a criterion the floor was not written for
                raise NotImplementedError(cid)
            if st != MET:
                failing.append(cid)
                if worst != NOT_MET:
                    worst = st
        if (not fits and not paperwork) or worst == NOT_MET:
            outcome = "deny"
        elif worst == INSUFFICIENT or not fits:
            outcome = "pend"
        else:
            outcome = "approve"
        out.append((line.code, outcome, failing))
    return state, out
