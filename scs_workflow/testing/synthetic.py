"""Synthetic SCS cases for benchmarks and tests: deterministic, seeded, never real.

Every case is drawn from its own ``random.Random`` seeded by ``(seed, index)``, so case
*i* is the same whatever the batch size or the number of processes generating, and
no global random state is read or changed. Identifiers are ``SYN-...`` only.

The mixture spans the pathway (intake ... follow-up, generator replacement, explant),
the three payer packs, and some cases with a gap or a defect (a psychological
evaluation that did not clear, active substance use, a missing attestation, a short
trial...), so decisions come out approve, pend and deny.

>>> from scs_workflow.testing.synthetic import generate
>>> [c["case_id"] for c in generate(2, seed=7)]
['SYN-7-0000000', 'SYN-7-0000001']
>>> list(generate(1, seed=7)) == list(generate(1, seed=7))
True
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from ..model.facts import MODALITY

#: the stages a synthetic case is built to reach (the engine decides where it really is)
STAGES: tuple[str, ...] = (
    "intake", "conservative_care_failed", "candidate", "trial_active", "trial_succeeded", "trial_failed",
    "trial_technical_failure", "leads_implanted", "system_implanted", "in_follow_up",
    "generator_replacement", "explant",
)
_STAGE_WEIGHTS = (4, 6, 12, 5, 13, 6, 4, 4, 8, 22, 9, 7)
PACKS: tuple[str, ...] = ("medicare", "aetna", "cigna")
_PACK_WEIGHTS = (50, 25, 25)
DEFAULT_AS_OF = dt.date(2026, 6, 15)

_DX = (("M96.1", 40), ("G90.523", 12), ("M54.16", 14), ("M51.16", 8), ("E11.42", 8), ("G54.6", 4),
       ("B02.29", 4), ("M54.50", 10))
_THERAPY = ("physical_therapy", "home_exercise", "medication", "injection", "chiropractic", "acupuncture",
            "psychological_therapy")
_DEFECTS = ("psych_not_cleared", "active_substance", "no_late_resort", "pacemaker", "low_odi", "short_care",
            "no_imaging", "short_trial", "no_education")
_DEFECT_RATE = 0.22
_FUTURE_RATE = 0.03  # a later pain score dated after the date of service
_SAME_DAY_RATE = 0.02  # the procedure under review recorded on the date of service
_SESSION_ON_SERVICE_DAY_RATE = 0.4  # follow-up: the programming session under review is recorded (CPT level)


class _Builder:
    """Collects one case's events with day offsets; dates are fixed at the end."""

    __slots__ = ("day", "events", "on_service_day", "rng")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.events: list[dict[str, Any]] = []
        self.day = 0
        self.on_service_day: list[tuple[str, dict[str, Any]]] = []
        """Events recorded on the date of service itself (the service under review), dated in ``_finish``."""

    def add(self, event_type: str, day: int, /, **fields: Any) -> dict[str, Any]:
        ev = {"id": f"e{len(self.events) + 1}", "type": event_type, "date": day, **fields}
        self.events.append(ev)
        return ev

    def later(self, lo: int, hi: int) -> int:
        self.day += self.rng.randint(lo, hi)
        return self.day


def _stamp(day: int, hour: int, minute: int) -> tuple[int, str]:
    return (day, f"{hour:02d}:{minute:02d}:00")


def _case(index: int, seed: int, as_of: dt.date) -> dict[str, Any]:
    rng = random.Random(seed * 4_294_967_296 + index)
    stage = rng.choices(STAGES, _STAGE_WEIGHTS)[0]
    pack = rng.choices(PACKS, _PACK_WEIGHTS)[0]
    level = STAGES.index(stage)
    defect = rng.choice(_DEFECTS) if rng.random() < _DEFECT_RATE else None
    b = _Builder(rng)

    # conservative care: 2-4 therapies over 7-14 months (3-5 with a short-care defect)
    span = rng.randint(90, 150) if defect == "short_care" else rng.randint(215, 420)
    starts = sorted(rng.randint(0, span // 2) for _ in range(rng.randint(2, 4)))
    failed = level >= 1
    for n, start in enumerate(starts):
        end = span if n == len(starts) - 1 else rng.randint(start + 14, span)
        outcome = rng.choice(("failed", "failed", "partial_relief")) if failed else rng.choice(("ongoing", "improved"))
        therapy: dict[str, Any] = {
            "kind": rng.choice(_THERAPY), "start": start, "end": None if outcome == "ongoing" else end,
            "physician_supervised": pack == "cigna" or rng.random() < 0.6, "outcome": outcome,
        }
        if rng.random() < 0.5:
            therapy["weeks"] = max(1, (end - start) // 7)
        if therapy["kind"] == "physical_therapy":
            therapy["in_person"] = True
        b.add("conservative_therapy", end if therapy["end"] is not None else start, **therapy)
    b.day = span
    surgery = failed and rng.random() < 0.4
    if surgery:
        b.add("prior_procedure", -rng.randint(200, 1500), kind="spine_surgery")
    if failed:  # NCD 160.7 (b): every other modality tried and unsatisfactory, or judged unsuitable
        tried = {MODALITY[ev["kind"]] for ev in b.events if ev["type"] == "conservative_therapy"}
        for modality, kind in (("pharmacological", "medication"), ("physical", "physical_therapy"),
                               ("psychological", "psychological_therapy")):
            if modality not in tried:
                b.add("conservative_therapy", span, kind=kind, start=span // 2, end=span,
                      physician_supervised=pack == "cigna", outcome="failed")
        if not surgery:
            b.add("conservative_therapy", span, kind="spine_surgery", start=span, end=span,
                  physician_supervised=pack == "cigna", outcome="unsuitable",
                  reason="spine surgeon: no surgically correctable lesion")
    b.add("pain_score", b.later(5, 30), score=float(rng.randint(6, 9)))
    if level == 0:
        if rng.random() < 0.5:
            b.add("imaging", b.later(1, 20), modality="mri", concordant_pathology=True)
        return _finish(b, index, seed, pack, as_of, rng)

    # screening
    exam_day = b.later(5, 40)
    b.add("physical_exam", exam_day, neurological_deficit=rng.random() < 0.2)
    if defect != "no_imaging":
        b.add("imaging", exam_day - rng.randint(0, 30), modality=rng.choice(("mri", "mri", "ct")),
              concordant_pathology=True)
    if pack == "aetna" or rng.random() < 0.4:
        b.add("odi", exam_day, score=float(rng.randint(12, 20) if defect == "low_odi" else rng.randint(24, 60)))
    b.add("cardiac_device", exam_day, devices=["pacemaker"] if defect == "pacemaker" else [])
    if level >= 2 or rng.random() < 0.3:
        b.add("substance_use", exam_day, status="active" if defect == "active_substance" else "none")
    if level >= 2:
        psych_day = b.later(7, 45)
        b.add("psych_eval", psych_day, evaluator_role=rng.choice(("psychologist", "psychologist", "psychiatrist")),
              cleared=defect != "psych_not_cleared")
        kinds = ["facility_capability", "behavioral_health"]
        if defect != "no_late_resort":
            kinds.append("late_resort")
        if defect != "no_education":
            kinds.append("education_risks_benefits")
        att_day = b.later(1, 20)
        for kind in kinds:
            if pack == "medicare" or kind == "behavioral_health" or rng.random() < 0.5:
                b.add("attestation", att_day, kind=kind)
    if level <= 2:
        return _finish(b, index, seed, pack, as_of, rng)

    # the trial
    _trial(b, stage, defect)
    if level <= 6:
        return _finish(b, index, seed, pack, as_of, rng)

    # the permanent system
    implant_day = b.later(14, 45)
    leads = rng.randint(1, 2)
    integrated = stage != "leads_implanted" and rng.random() < 0.2
    if integrated:
        b.add("integrated_implant", implant_day, leads=leads, contacts=8 * leads, location="T8", setting="asc")
    else:
        b.add("lead_implant", implant_day, leads=leads, contacts=8 * leads, setting="asc",
              approach="paddle" if rng.random() < 0.2 else "percutaneous", location=rng.choice(("T8", "T9", "T10")))
        if stage != "leads_implanted":
            b.add("generator_implant", implant_day, setting="asc", rechargeable=rng.random() < 0.5,
                  waveform=rng.choice(("tonic", "high_frequency", "burst")))
    if level <= 8:
        return _finish(b, index, seed, pack, as_of, rng)
    _follow_up(b, stage)
    # the session under review, with the parameters it adjusted (what 95970/95971/95972 read): drawn from
    # a stream of its own, so the rest of the case is the same with or without it
    extra = random.Random(f"{seed}:{index}:session")
    if stage == "in_follow_up" and extra.random() < _SESSION_ON_SERVICE_DAY_RATE:
        b.on_service_day.append(("programming", {"parameters_changed": extra.randint(0, 6)}))
    return _finish(b, index, seed, pack, as_of, rng)


def _trial(b: _Builder, stage: str, defect: str | None) -> None:
    rng = b.rng
    start = _stamp(b.later(14, 60), rng.randint(7, 13), rng.choice((0, 15, 30, 45)))
    b.add("trial_placement", start[0], started_at=start, leads=rng.randint(1, 2), contacts=16,
          region=rng.choice(("thoracic", "thoracic", "thoracic", "cervical")), setting="asc")
    if stage == "trial_active":
        return
    days = rng.randint(2, 3) if defect == "short_trial" else rng.randint(4, 7)
    end = _stamp(b.later(days, days), rng.randint(8, 16), 0)
    base = float(rng.randint(6, 9))
    outcome: dict[str, Any] = {"ended_at": end, "baseline_pain": base}
    if stage == "trial_technical_failure":
        outcome["technical_failure"] = True
    else:
        good = stage != "trial_failed"
        keep = rng.uniform(0.15, 0.5) if good else rng.uniform(0.65, 1.0)
        outcome["trial_pain"] = round(base * keep * 2) / 2
        if rng.random() < (0.6 if good else 0.85):
            mme = float(rng.randint(20, 120))
            outcome.update(baseline_mme=mme, trial_mme=round(mme * (keep if good else rng.uniform(0.7, 1.0))))
        outcome["function_improved"] = good
    b.add("trial_outcome", end[0], **outcome)


def _follow_up(b: _Builder, stage: str) -> None:
    rng = b.rng
    sessions = rng.randint(5, 14) if stage == "in_follow_up" else rng.randint(3, 8)
    for n in range(sessions):
        b.add("programming", b.later(20, 60), parameters_changed=rng.randint(0, 6))
        if n % 3 == 1:
            b.add("pain_score", b.day, score=float(rng.randint(2, 5)))
    b.add("generator_status", b.later(20, 60), status="working", therapy_effective=rng.random() < 0.9)
    if stage == "generator_replacement":
        b.add("generator_status", b.later(200, 900), status=rng.choice(("end_of_life", "malfunction")),
              therapy_effective=True)
        if rng.random() < 0.6:  # otherwise the replacement is still to be decided
            b.add("generator_replacement", b.later(10, 40), reason="end_of_life", setting="asc")
            for _ in range(rng.randint(0, 2)):
                b.add("programming", b.later(20, 60), parameters_changed=rng.randint(0, 6))
    elif stage == "explant":
        if rng.random() < 0.5:
            b.add("complication", b.later(5, 60), kind=rng.choice(("infection", "lead_migration", "pocket_pain")))
            reason = "infection"
        else:
            reason = "no_benefit"
        b.add("explant", b.later(5, 30), reason=reason, setting="hopd")


def _finish(b: _Builder, index: int, seed: int, pack: str, as_of: dt.date, rng: random.Random) -> dict[str, Any]:
    """Place the timeline so it ends shortly before *as_of*, and turn day offsets into dates."""
    last = max(ev["date"] for ev in b.events)
    same_day = rng.random() < _SAME_DAY_RATE
    origin = as_of.toordinal() - last - (0 if same_day else rng.randint(1, 90))
    if rng.random() < _FUTURE_RATE:
        b.add("pain_score", last + rng.randint(91, 120), score=float(rng.randint(3, 8)))

    def day(offset: int) -> str:
        return dt.date.fromordinal(origin + offset).isoformat()

    for event_type, fields in b.on_service_day:
        b.add(event_type, as_of.toordinal() - origin, **fields)

    for ev in b.events:
        ev["date"] = day(ev["date"])
        for key in ("start", "end"):
            if isinstance(ev.get(key), int):
                ev[key] = day(ev[key])
        for key in ("started_at", "ended_at"):
            if key in ev:
                offset, clock = ev[key]
                ev[key] = f"{day(offset)}T{clock}"
    codes = [c for c, _ in _DX]
    dx = rng.choices(codes, [w for _, w in _DX])[0]
    diagnoses: list[dict[str, Any]] = [{"code": dx, "onset": day(-rng.randint(400, 2500))}]
    if rng.random() < 0.3:
        diagnoses.append({"code": "G89.29"})
    return {
        "case_id": f"SYN-{seed}-{index:07d}",
        "patient_ref": f"SYN-P-{seed}-{index:07d}",
        "policy": pack,
        "diagnoses": diagnoses,
        "events": b.events,
    }


def generate(n: int, seed: int = 0, *, start: int = 0, as_of: dt.date = DEFAULT_AS_OF) -> Iterator[dict[str, Any]]:
    """Yield *n* synthetic case dicts (cases ``start`` .. ``start + n - 1`` of the *seed* series).

    The timelines end before *as_of* (a few cases carry one later event, or the
    procedure under review on *as_of* itself), so decide on *as_of*.
    """
    if seed < 0 or n < 0 or start < 0:
        raise ValueError("n, seed and start must not be negative")
    for i in range(start, start + n):
        yield _case(i, seed, as_of)


def stage_of(index: int, seed: int) -> tuple[str, str]:
    """The (stage, pack) case *index* of the *seed* series was built for (what the mixture aims at)."""
    rng = random.Random(seed * 4_294_967_296 + index)
    return rng.choices(STAGES, _STAGE_WEIGHTS)[0], rng.choices(PACKS, _PACK_WEIGHTS)[0]
