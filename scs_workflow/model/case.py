"""The case: one patient's SCS episode as dated, typed events.

A case holds no derived state. The pathway state is always *replayed* from the
events as of a date (see :mod:`scs_workflow.engine.pathway`), so a late-recorded trial
result changes every later answer the same way on every machine.

Identifiers are pseudonymous references: the model has no field for a name,
a date of birth or a member id, and nothing here is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import CaseError, ClaimError, Problem
from .inputs import check_case_size
from .inputs import read_json as _read_json

# --- strict input: what a case file may say, and nothing guessed ---------------------------
# The models are strict (``true`` is not a number, ``"8"`` is not a number, ``"yes"`` is not
# a boolean, a number is not text) and refuse infinite and NaN values. JSON has no date
# type, so dates and date-times are read from ISO text by the two types below, and only
# from ISO text: no Unix timestamps, no "2026-01-02T00:00" for a date, nothing before 1900
# or after 2100. New date fields must use ``Date`` / ``DateTime`` (a plain ``dt.date`` would
# refuse the JSON text under strict mode). The messages never echo the value: error records
# and logs carry no case data.

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)
_DATETIME_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?")


def _date_text(v: Any) -> Any:
    if isinstance(v, str):  # the cheap shape test first: this runs for every date of every case
        if len(v) != 10 or v[4] != "-" or v[7] != "-" or not v.isascii():
            raise ValueError("a date is written YYYY-MM-DD")
        try:
            v = dt.date.fromisoformat(v)
        except ValueError:
            raise ValueError("not a calendar date (YYYY-MM-DD)") from None
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        _in_range(v)
    return v  # anything else is refused by the strict date type


def _datetime_text(v: Any) -> Any:
    if isinstance(v, str):
        if not _DATETIME_TEXT.fullmatch(v):
            raise ValueError("a date-time is written YYYY-MM-DDThh:mm[:ss][+hh:mm]")
        try:
            v = dt.datetime.fromisoformat(v)
        except ValueError:
            raise ValueError("not a calendar date and time (YYYY-MM-DDThh:mm)") from None
    if isinstance(v, dt.datetime):
        _in_range(v.date())
    return v


def _in_range(day: dt.date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"dates run from {EARLIEST.isoformat()} to {LATEST.isoformat()}")


Date = Annotated[dt.date, BeforeValidator(_date_text)]
"""A calendar date from ISO text ``YYYY-MM-DD`` (or a ``date``), 1900-2100."""
DateTime = Annotated[dt.datetime, BeforeValidator(_datetime_text)]
"""A date-time from ISO text ``YYYY-MM-DDThh:mm[:ss[.ffffff]][Z|+hh:mm]`` (or a ``datetime``), 1900-2100."""

STRICT = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
"""The configuration of every input model (case, service line, claim)."""

Pain = Annotated[float, Field(ge=0, le=10, description="numeric rating scale, 0-10")]
Count = Annotated[int, Field(ge=0)]
Region = Literal["cervical", "thoracic", "lumbar"]
Setting = Literal["office", "asc", "hopd", "inpatient"]
Approach = Literal["percutaneous", "paddle"]
Waveform = Literal["tonic", "high_frequency", "burst", "dtm", "closed_loop", "dual_mode"]


class _Model(BaseModel):
    model_config = STRICT


class _Event(_Model):
    id: str = Field("", description="unique within the case; the store's idempotency key")
    date: Date = Field(description="the date the event took effect (documented or performed)")
    note: str | None = Field(None, description="free text; never put identifiers here")

    #: procedures performed on the date of service are the service under review,
    #: not history, so replay leaves them out of that day's state
    procedure: ClassVar[bool] = False


# --- documentation ---------------------------------------------------------------


class ConservativeTherapy(_Event):
    type: Literal["conservative_therapy"] = "conservative_therapy"
    kind: Literal[
        "physical_therapy", "home_exercise", "medication", "injection", "chiropractic",
        "acupuncture", "psychological_therapy", "spine_surgery", "other",
    ]
    start: Date
    end: Date | None = Field(None, description="None while ongoing")
    weeks: Count | None = None
    in_person: bool | None = Field(None, description="physical therapy: in person (true) or remote (false); "
                                   "unstated is unknown, never assumed in person")
    physician_supervised: bool = False
    outcome: Literal["failed", "partial_relief", "improved", "contraindicated", "unsuitable", "ongoing"] = Field(
        description="unsuitable: judged unsuitable for this patient and not tried (NCD 160.7 (b)); "
                    "say why in `reason`")
    reason: str | None = Field(None, description="why a modality is unsuitable or contraindicated")

    @model_validator(mode="after")
    def _dates(self) -> ConservativeTherapy:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        if self.outcome == "unsuitable" and not (self.reason or "").strip():
            raise ValueError("reason: a modality judged unsuitable needs the reason")
        return self


class PsychEvaluation(_Event):
    type: Literal["psych_eval"] = "psych_eval"
    evaluator_role: Literal[
        "psychiatrist", "psychologist", "clinical_social_worker", "npp_supervised", "other"
    ]
    cleared: bool


class PhysicalExam(_Event):
    type: Literal["physical_exam"] = "physical_exam"
    neurological_deficit: bool | None = None


class Imaging(_Event):
    type: Literal["imaging"] = "imaging"
    modality: Literal["mri", "ct", "ct_myelogram", "xray"]
    concordant_pathology: bool | None = None


class PainScore(_Event):
    type: Literal["pain_score"] = "pain_score"
    score: Pain


class OdiScore(_Event):
    type: Literal["odi"] = "odi"
    score: Annotated[float, Field(ge=0, le=100, description="Oswestry Disability Index, %")]


class SubstanceUse(_Event):
    type: Literal["substance_use"] = "substance_use"
    status: Literal["none", "active", "in_treatment", "in_remission"]


class CardiacDevice(_Event):
    """The implanted cardiac devices on that date; an empty list documents none."""

    type: Literal["cardiac_device"] = "cardiac_device"
    devices: list[Literal["pacemaker", "icd"]] = []


class Attestation(_Event):
    type: Literal["attestation"] = "attestation"
    kind: Literal[
        "late_resort", "facility_capability", "education_risks_benefits", "behavioral_health",
        "extenuating_circumstances", "patient_wants_procedure",
        # indications for revising or removing an implanted system (see the device_indications fact)
        "patient_requests_removal", "mri_needed",
    ]
    value: bool = True


class Complication(_Event):
    type: Literal["complication"] = "complication"
    kind: Literal["infection", "lead_migration", "lead_fracture", "csf_leak", "pocket_pain", "other"]


class PriorProcedure(_Event):
    """A procedure done before the case was tracked; an SCS implant says how its leads were placed."""

    type: Literal["prior_procedure"] = "prior_procedure"
    kind: Literal["spine_surgery", "scs_trial", "scs_implant", "other"]
    approach: Approach | None = Field(None, description="scs_implant only: percutaneous or paddle leads")

    @model_validator(mode="after")
    def _approach_of_an_implant(self) -> PriorProcedure:
        if self.approach is not None and self.kind != "scs_implant":
            raise ValueError("approach: only an scs_implant has a lead approach")
        return self


class DiagnosisRecorded(_Event):
    """A diagnosis made or revised during the episode (``date`` = when it was recorded).

    The case's own ``diagnoses`` are those known when it was opened; these add to them
    as of their date, so a later CRPS diagnosis counts only from then on.
    """

    type: Literal["diagnosis"] = "diagnosis"
    code: Annotated[str, Field(pattern=r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$")]
    onset: Date | None = Field(None, description="when the pain began, if known")
    status: Literal["active", "resolved", "ruled_out"] = "active"


class ExistingSystem(_Event):
    """A system implanted before the case was tracked (``date`` = when it was implanted).

    It lets a case opened for a battery replacement or a revision start where the
    patient really is, instead of at intake with no trial on file.
    """

    type: Literal["existing_system"] = "existing_system"
    system: Literal["conventional", "integrated"] = "conventional"
    approach: Approach | Literal["integrated"] = "percutaneous"
    waveform: Waveform = "tonic"


class GeneratorStatus(_Event):
    type: Literal["generator_status"] = "generator_status"
    status: Literal["working", "end_of_life", "malfunction"]
    therapy_effective: bool | None = Field(None, description="was the system relieving pain?")


# --- procedures (move the pathway) -----------------------------------------------


class _Procedure(_Event):
    procedure: ClassVar[bool] = True
    setting: Setting | None = None


class TrialPlacement(_Procedure):
    type: Literal["trial_placement"] = "trial_placement"
    started_at: DateTime = Field(description="when the trial began; on the placement's own date")
    leads: Annotated[int, Field(ge=1)]
    contacts: Count | None = None
    region: Region
    waveform: Waveform | None = None

    @model_validator(mode="after")
    def _on_its_date(self) -> TrialPlacement:
        _same_day(self.started_at, self.date, "started_at")
        return self


def _same_day(moment: dt.datetime, day: dt.date, name: str) -> None:
    """A trial's time stamp falls on its event's own date (the local date as written, offset or not)."""
    if moment.date() != day:
        raise ValueError(f"{name}: not on the date of its event (the trial's time stamps fall on the events' dates)")


class TrialOutcome(_Event):
    type: Literal["trial_outcome"] = "trial_outcome"
    ended_at: DateTime = Field(description="when the trial ended; on the outcome's own date")
    baseline_pain: Pain | None = None
    trial_pain: Pain | None = None
    baseline_mme: Annotated[float, Field(ge=0)] | None = Field(None, description="morphine mg eq./day")
    trial_mme: Annotated[float, Field(ge=0)] | None = None
    function_improved: bool | None = None
    technical_failure: bool = False

    @model_validator(mode="after")
    def _on_its_date(self) -> TrialOutcome:
        _same_day(self.ended_at, self.date, "ended_at")
        return self


class _Implant(_Procedure):
    leads: Annotated[int, Field(ge=1)]
    contacts: Count | None = None
    location: str | None = Field(None, description="vertebral level of the tip, e.g. T8")
    impedance_ohms: list[Annotated[float, Field(gt=0)]] | None = None
    postoperative_plan: bool | None = None


class LeadImplant(_Implant):
    type: Literal["lead_implant"] = "lead_implant"
    approach: Approach


class GeneratorImplant(_Procedure):
    type: Literal["generator_implant"] = "generator_implant"
    waveform: Waveform = "tonic"
    rechargeable: bool | None = None


class IntegratedImplant(_Implant):
    type: Literal["integrated_implant"] = "integrated_implant"
    waveform: Waveform = "tonic"


class Programming(_Event):
    procedure: ClassVar[bool] = True
    type: Literal["programming"] = "programming"
    parameters_changed: Count | None = Field(
        None, description="parameters adjusted at the session (CPT: 95971 simple = 1-3, 95972 complex = more than 3)")


class GeneratorReplacement(_Procedure):
    type: Literal["generator_replacement"] = "generator_replacement"
    reason: Literal["end_of_life", "malfunction", "upgrade"]
    waveform: Waveform = "tonic"


class GeneratorRemoval(_Procedure):
    type: Literal["generator_removal"] = "generator_removal"
    reason: Literal["infection", "pocket_revision", "patient_request", "other"]


class LeadRevision(_Procedure):
    type: Literal["lead_revision"] = "lead_revision"
    approach: Approach
    reason: Literal["migration", "fracture", "infection", "other"]


class LeadRemoval(_Procedure):
    type: Literal["lead_removal"] = "lead_removal"
    approach: Approach
    reason: Literal["infection", "no_benefit", "patient_request", "mri_needed", "other"]


class Explant(_Procedure):
    type: Literal["explant"] = "explant"
    reason: Literal["infection", "no_benefit", "patient_request", "other"]


class AuthorizedService(_Model):
    code: str
    units: Annotated[int, Field(ge=1)] = 1

    @field_validator("code", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return str(v).strip().upper() if isinstance(v, (int, str)) else v


class Authorization(_Event):
    """A payer's authorization on file: what was authorized, for when (``date`` = decision date)."""

    type: Literal["authorization"] = "authorization"
    number: str = Field(min_length=1, description="authorization number or Medicare OPD UTN")
    program: Literal["prior_authorization", "medicare_opd"] = "prior_authorization"
    services: list[AuthorizedService] = Field(min_length=1)
    valid_from: Date
    valid_to: Date | None = Field(None, description="None: derived from the policy (OPD UTN: 120 days)")
    setting: Setting | None = None

    @model_validator(mode="after")
    def _period(self) -> Authorization:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


# --- amending the record -------------------------------------------------------------


class Correction(_Event):
    """An amendment of an earlier event, by id: the log stays append-only (``date`` = when recorded).

    ``replacement`` gives the corrected fields (the rest of the record stands), or
    ``retracted`` withdraws the record as entered in error. From its date on, every
    reader (facts and the pathway) sees the corrected record in the original's place;
    of several corrections of one record the later ones win.
    """

    type: Literal["correction"] = "correction"
    corrects: str = Field(min_length=1, description="id of the event corrected")
    replacement: dict[str, Any] | None = Field(None, description="the corrected fields and their new values")
    retracted: bool = Field(False, description="the record was entered in error and is withdrawn")
    by: str = Field(min_length=1, description="who corrected it (role or pseudonymous reference)")
    reason: str = Field(min_length=1, description="why")

    @model_validator(mode="after")
    def _one_change(self) -> Correction:
        if self.retracted == (self.replacement is not None):
            raise ValueError("replacement: a correction either gives a replacement or retracts the record")
        if self.replacement is not None:
            if not self.replacement:
                raise ValueError("replacement: names no field")
            for name in ("id", "type"):
                if name in self.replacement:
                    raise ValueError(f"replacement: cannot change the {name} of a record")
        return self


Event = Annotated[
    ConservativeTherapy | PsychEvaluation | PhysicalExam | Imaging | PainScore | OdiScore | SubstanceUse
    | CardiacDevice | Attestation | Complication | PriorProcedure | GeneratorStatus | ExistingSystem | DiagnosisRecorded
    | TrialPlacement | TrialOutcome | LeadImplant | GeneratorImplant | IntegratedImplant | Programming
    | GeneratorReplacement | GeneratorRemoval | LeadRevision | LeadRemoval | Explant | Authorization
    | Correction,
    Field(discriminator="type"),
]

EVENT_TYPES: tuple[str, ...] = tuple(t.model_fields["type"].default for t in get_args(get_args(Event)[0]))
#: the event types that record a result rather than perform a service (a trial outcome): a transition
#: they trigger is documentation to send, not a procedure still to do
RECORD_TYPES: frozenset[str] = frozenset(
    t.model_fields["type"].default for t in get_args(get_args(Event)[0]) if not t.procedure)


class Diagnosis(_Model):
    code: Annotated[str, Field(pattern=r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$")]
    onset: Date | None = Field(None, description="when the pain began, if known")


class Case(_Model):
    """One patient's SCS episode under one payer policy."""

    case_id: str = Field(min_length=1)
    patient_ref: str = Field(min_length=1, description="pseudonymous reference, never a name or member id")
    policy: str = Field(description="payer policy id, e.g. medicare, aetna, cigna")
    diagnoses: list[Diagnosis] = []
    events: list[Event] = []

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        seen: set[str] = set()
        fixed: list[Any] = []
        for n, ev in enumerate(self.events):
            if not ev.id:
                ev = ev.model_copy(update={"id": f"ev-{n + 1}"})
            if ev.id in seen:
                raise ValueError(f"events[{n}].id: duplicate event id {ev.id!r}")
            seen.add(ev.id)
            fixed.append(ev)
        object.__setattr__(self, "events", fixed)
        _check_trials(fixed)
        _check_corrections(fixed)
        return self


def _check_trials(events: list[Any], index: list[int] | None = None) -> None:
    """A trial outcome must end after the trial it closes was placed (*index*: positions in the case)."""
    at = index or list(range(len(events)))
    trials = [i for i, ev in enumerate(events) if isinstance(ev, (TrialPlacement, TrialOutcome))]
    order = sorted(trials, key=lambda i: (events[i].date, i))
    placed: tuple[int, dt.datetime] | None = None
    for i in order:
        ev = events[i]
        if isinstance(ev, TrialPlacement):
            placed = (i, ev.started_at)
        elif isinstance(ev, TrialOutcome) and placed is not None:
            start = placed[1]
            end = ev.ended_at
            if (start.tzinfo is None) != (end.tzinfo is None):
                raise ValueError(f"events[{at[i]}].ended_at: mixes a timezone-aware and a naive time")
            if end < start:
                raise ValueError(
                    f"events[{at[i]}].ended_at: trial ends ({end.isoformat()}) before it started "
                    f"(events[{at[placed[0]]}].started_at {start.isoformat()})"
                )


def corrected(events: list[Any], known_on: dt.date | None = None) -> tuple[list[Any], dict[str, list[str]]]:
    """*events* with the corrections dated on or before *known_on* (all: None) applied in place.

    Returns the records (retracted ones and the corrections themselves left out, the rest in
    their original order) and, per corrected id, the ids of the corrections applied to it.
    """
    fixes = [k for k in events if isinstance(k, Correction) and (known_on is None or k.date <= known_on)]
    if not fixes:
        return [e for e in events if not isinstance(e, Correction)], {}
    fixes.sort(key=lambda k: k.date)  # stable: on one date, the later in the log wins
    original = {e.id: e for e in events if not isinstance(e, Correction)}
    current: dict[str, Any] = dict(original)
    applied: dict[str, list[str]] = {}
    for k in fixes:
        base = current.get(k.corrects) or original[k.corrects]
        current[k.corrects] = None if k.retracted else _amended(base, k.replacement or {})
        applied.setdefault(k.corrects, []).append(k.id)
    records = [current[e.id] for e in events if not isinstance(e, Correction) and current[e.id] is not None]
    return records, applied


def _amended(ev: Any, replacement: dict[str, Any]) -> Any:
    """*ev* with *replacement*'s fields, validated as JSON exactly as a case file's record is."""
    merged = {**ev.model_dump(mode="json"), **replacement}
    return type(ev).model_validate_json(json.dumps(merged, default=_iso))


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)


def _check_corrections(events: list[Any]) -> None:
    """A correction names an earlier record of the case and leaves it a valid record."""
    index = {e.id: n for n, e in enumerate(events)}
    for n, k in enumerate(events):
        if not isinstance(k, Correction):
            continue
        target = index.get(k.corrects)
        if target is None:
            raise ValueError(f"events[{n}].corrects: no event {k.corrects!r} in the case")
        orig = events[target]
        if isinstance(orig, Correction):
            raise ValueError(f"events[{n}].corrects: {k.corrects!r} is a correction; correct the record itself")
        if k.replacement is not None:
            try:
                _amended(orig, k.replacement)
            except ValidationError as err:
                first = err.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                msg = first["msg"].removeprefix("Value error, ")
                raise ValueError(f"events[{n}].replacement.{where}: {msg}") from None
    records, applied = corrected(events)
    if applied:  # the corrected records must still make sense together
        _check_trials(records, [index[e.id] for e in records])


def problems_from(err: ValidationError) -> list[Problem]:
    """Turn pydantic errors into JSON-path problems (``$.events[3].score``)."""
    out = []
    for e in err.errors():
        path = "$"
        loc = list(e["loc"])
        for part in loc:
            if isinstance(part, int):
                path += f"[{part}]"
            elif part in EVENT_TYPES and path.endswith("]"):
                continue  # pydantic's union tag, not a field
            else:
                path += f".{part}"
        msg = e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
            # our model validators put the sub-path first: "events[2].end: ..."
            head, sep, rest = msg.partition(": ")
            if sep and (head.startswith("events[") or head.isidentifier()):
                path = f"{path}.{head}" if path != "$" else f"$.{head}"
                msg = rest
        out.append(Problem(path, msg))
    return out


def parse_case(data: Any, source: str = "case") -> Case:
    """Validate *data* as a case; raise :class:`CaseError` naming each JSON path (or too many events)."""
    check_case_size(data, source)
    try:
        return Case.model_validate(data)
    except ValidationError as err:
        raise CaseError(f"{source}: invalid case", problems_from(err)) from None


def read_json(path: str | Path, error: type[CaseError] | type[ClaimError], what: str) -> Any:
    """Parse a JSON file with the one reader (:mod:`scs_workflow.model.inputs`: size, depth, UTF-8, located errors)."""
    return _read_json(path, error, what)


_EVENT: TypeAdapter[Any] = TypeAdapter(Event)


def parse_event(data: Any) -> Any:
    """Validate one event on its own (no rule that spans events): for comparing records."""
    try:
        return _EVENT.validate_python(data)
    except ValidationError as err:
        raise CaseError("invalid event", problems_from(err)) from None


def load_case(path: str | Path) -> Case:
    """Read and validate a case JSON file (at most ``SCS_MAX_EVENTS`` events)."""
    return parse_case(read_json(path, CaseError, "case"), str(path))


def case_schema() -> dict[str, Any]:
    """The JSON Schema of a case file."""
    return Case.model_json_schema()
