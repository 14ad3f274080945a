"""Build synthetic cases in a few readable lines, so a test reads like the policy it checks.

    case = (Patient("aetna").fbss().conservative_care(months=6).screened()
            .trial(hours=96, pain=(8, 4)).case())
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta

from scs_workflow import Case, parse_case
from scs_workflow.model.windows import add_months

D = dt.date
TRIAL_DAY = D(2026, 3, 2)
DOS = D(2026, 4, 1)  # the default date of service: after the default trial


class Patient:
    """A synthetic patient whose history is added event by event."""

    def __init__(self, policy: str = "medicare", case_id: str = "t-1") -> None:
        self.data: dict[str, Any] = {"case_id": case_id, "patient_ref": "SYN-T1", "policy": policy,
                                     "diagnoses": [], "events": []}
        self._n = 0

    def event(self, type_: str, date: dt.date, **fields: Any) -> Patient:
        self._n += 1
        ev = {"id": f"{type_}-{self._n}", "type": type_, "date": date.isoformat()}
        ev.update({k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in fields.items()})
        self.data["events"].append(ev)
        return self

    def diagnosis(self, code: str, onset: dt.date | None = None) -> Patient:
        self.data["diagnoses"].append({"code": code, "onset": onset.isoformat() if onset else None})
        return self

    def fbss(self, onset: dt.date = D(2022, 1, 1)) -> Patient:
        return self.diagnosis("M96.1", onset)

    def conservative_care(self, months: int = 8, end: dt.date = D(2025, 12, 31), *, supervised: bool = True,
                          days_short: int = 0, modalities: bool = True) -> Patient:
        """Physical therapy that failed, spanning exactly *months* calendar months ending on *end*.

        The start is the latest day from which *end* is *months* calendar months away
        (scs_workflow.model.windows: 2024-02-10 + 6 months = 2024-08-10); *days_short* moves it later.
        With *modalities* (the default), the other modalities NCD 160.7 (b) names are addressed
        too, inside the same span: medication and psychological therapy failed, and spine surgery
        judged unsuitable.
        """
        start = end - relativedelta(months=months)
        while add_months(start + dt.timedelta(days=1), months) <= end:
            start += dt.timedelta(days=1)
        start += dt.timedelta(days=days_short)
        self.therapy("physical_therapy", start, end, supervised=supervised, weeks=12, in_person=True)
        if modalities:
            self.therapy("medication", start, end, supervised=supervised)
            self.therapy("psychological_therapy", start, end, supervised=supervised)
            self.therapy("spine_surgery", end, end, supervised=supervised, outcome="unsuitable",
                         reason="no surgical lesion on imaging (surgical consult)")
        return self

    def therapy(self, kind: str, start: dt.date, end: dt.date | None, *, outcome: str = "failed",
                supervised: bool = True, **extra: Any) -> Patient:
        """One conservative therapy record (recorded on its end date, or its start while ongoing)."""
        return self.event("conservative_therapy", end or start, kind=kind, start=start, end=end,
                          physician_supervised=supervised, outcome=outcome, **extra)

    def screened(self, on: dt.date = D(2026, 1, 15), *, odi: float = 40, pain: float = 8,
                 evaluator: str = "psychologist", cleared: bool = True) -> Patient:
        """Everything each pack asks of a trial candidate, documented."""
        (self.event("physical_exam", on).event("imaging", on, modality="mri", concordant_pathology=True)
         .event("psych_eval", on, evaluator_role=evaluator, cleared=cleared)
         .event("substance_use", on, status="none").event("cardiac_device", on, devices=[])
         .event("odi", on, score=odi).event("pain_score", on, score=pain))
        for kind in ("late_resort", "facility_capability", "education_risks_benefits", "behavioral_health"):
            self.event("attestation", on, kind=kind)
        return self

    def trial(self, *, start: dt.date = TRIAL_DAY, hours: float = 168, pain: tuple[float, float] = (8, 2),
              mme: tuple[float, float] | None = (60, 60), leads: int = 2, region: str = "thoracic",
              technical_failure: bool = False) -> Patient:
        began = dt.datetime.combine(start, dt.time(8, 0))
        ended = began + dt.timedelta(hours=hours)
        self.event("trial_placement", start, started_at=began, leads=leads, contacts=8 * leads, region=region,
                   setting="asc")
        outcome: dict[str, Any] = {"ended_at": ended, "baseline_pain": pain[0], "trial_pain": pain[1],
                                   "function_improved": True, "technical_failure": technical_failure}
        if mme is not None:
            outcome.update(baseline_mme=mme[0], trial_mme=mme[1])
        return self.event("trial_outcome", ended.date(), **outcome)

    def implanted(self, on: dt.date = D(2026, 4, 6), *, approach: str = "percutaneous") -> Patient:
        self.event("lead_implant", on, approach=approach, leads=2, contacts=16, location="T8",
                   impedance_ohms=[600, 700], postoperative_plan=True, setting="asc")
        return self.event("generator_implant", on, waveform="tonic", setting="asc")

    def programmed(self, on: dt.date, changed: int = 4) -> Patient:
        return self.event("programming", on, parameters_changed=changed)

    def case(self) -> Case:
        return parse_case(self.data)


def trial_candidate(policy: str = "medicare") -> Patient:
    """Conservative care failed and screening done: ready for a trial under every pack."""
    return Patient(policy).fbss().conservative_care().screened()
