"""Claim-line edits: the coding and authorization rules a claim must pass, as policy data.

An edit is one rule of a small, closed set of *kinds* (``max_units``, ``bundle``,
``global_period_modifier``...). The kind is Python and generic; every code list,
number and citation is in the policy YAML under ``edits:``::

    edits:
      - id: lead_limit_units
        kind: max_units
        text: "At most 2 leads (arrays) of 63650 are paid on a date of service"
        cite: "A56876 (a maximum of 2 leads or 16 contacts is paid)"
        confidence: S
        verified: true
        codes: ["63650"]
        max: $max_leads          # a number, or a $parameter of the policy
        action: correct_claim

Edits are the one definition of every coding and utilization rule: ``decide`` judges the
edits of stage ``request`` on a PA request as a whole, ``check-claim`` those of stage
``claim``, with the same check functions. ``stage`` defaults by kind (:attr:`_Edit.default_stage`:
units, lifetime limits, repeat-after-failure, bundling, place of service and frequency are
judged on both; units per array, modifiers, global periods, E/M, documentation of the
performed procedure and the authorization kinds only on a claim).

A payer pack that ``extends`` a baseline restates an edit by id to change it, switches
it off with ``{id: lead_limit_units, enabled: false, note: why}``, or drops it with
``remove_edits: [id]``. ``codes`` entries are ``CODE`` or ``CODE:use`` (the gate's use,
e.g. ``63650:permanent``). The checks of each kind live in :mod:`.coding` and
:mod:`.reconcile` (what they see and return: :mod:`.findings`); this module holds the
schema and the merge.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from ..model.case import Setting
from ..model.errors import PolicyError, Problem

Confidence = Literal["S", "S2", "M", "D"]
Action = Literal["correct_claim", "request_authorization_update", "resubmit_authorization", "send_documentation"]
ACTION_TEXT: dict[str, str] = {
    "correct_claim": "correct the claim",
    "request_authorization_update": "request an update to the authorization",
    "resubmit_authorization": "submit a new authorization request",
    "send_documentation": "send the missing documentation",
}
ParamRef = Annotated[str, Field(pattern=r"^\$[a-z][a-z0-9_]*$")]
Num = int | ParamRef
Scope = Literal["session", "array", "pocket", "date"]
Stage = Literal["request", "claim"]
REQUEST_AND_CLAIM: tuple[Stage, ...] = ("request", "claim")
CLAIM_ONLY: tuple[Stage, ...] = ("claim",)
Exemption = Literal["technical_failure", "extenuating_circumstances"]
_ID = r"^[a-z][a-z0-9_]*$"


def _text_codes(v: Any) -> Any:
    """YAML reads ``63650`` as an int; codes are text (``0784T`` stays as written)."""
    if isinstance(v, list):
        return [str(x).strip().upper() if isinstance(x, int) else str(x).strip() for x in v]
    if isinstance(v, dict):
        return {str(k): x for k, x in v.items()}
    return v


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Edit(_Model):
    id: str = Field(pattern=_ID)
    text: str = Field(min_length=1, description="the rule in plain language")
    cite: str = Field(min_length=1, description="exact source clause")
    source: list[str] = Field([], description="ids of the pack's sources the citation comes from")
    url: str | None = None
    confidence: Confidence
    verified: bool
    enabled: bool = True
    note: str = ""
    codes: list[str] = Field([], description="the lines it applies to: CODE or CODE:use")
    outcome: Literal["deny", "pend"] = "deny"
    action: Action
    stage: list[Stage] | None = Field(
        None, min_length=1, description="where the edit is judged: on a PA request (`decide`) and/or on a claim "
        "(`check-claim`); left out, the kind's default (see STAGE)")

    default_stage: ClassVar[tuple[Stage, ...]] = CLAIM_ONLY
    """Where an edit of this kind is judged unless it says otherwise."""

    _code_list = field_validator("codes", mode="before")(classmethod(lambda cls, v: _text_codes(v)))
    _source_list = field_validator("source", mode="before")(
        classmethod(lambda cls, v: [v] if isinstance(v, str) else v))

    def stages(self) -> tuple[Stage, ...]:
        """``request`` (judged by ``decide`` on the requested lines) and/or ``claim`` (by ``check-claim``)."""
        return tuple(self.stage) if self.stage is not None else self.default_stage

    # --- what the policy checks look up (see policy_checks._edit_problems) ---------------

    def code_refs(self) -> list[str]:
        """Codes (``CODE`` or ``CODE:use``) the edit names besides its own ``codes``."""
        return []

    def event_refs(self) -> list[str]:
        """Case event types the edit reads."""
        return []

    def field_refs(self) -> list[tuple[tuple[str, ...], str]]:
        """Fields the edit reads, each with the event types at least one of which must have it."""
        return []

    def state_refs(self) -> list[str]:
        return []

    def numbers(self) -> list[Num]:
        """Numeric parameters, possibly ``$parameter`` references."""
        return []


class EventFilter(_Model):
    """Events of these types; with ``where``, only those whose fields have these values."""

    events: list[str] = Field(min_length=1)
    where: dict[str, str | int | bool] = Field({}, description="an event without the field is kept")

    def keeps(self, ev: Any) -> bool:
        return all(getattr(ev, k, v) == v for k, v in self.where.items())

    def doubts(self, ev: Any) -> list[str]:
        """The ``where`` fields *ev* carries but leaves unstated (None) while every stated one matches:
        the event may belong (a prior implant whose approach is not recorded); [] when it does not."""
        unstated = []
        for k, v in self.where.items():
            have = getattr(ev, k, v)
            if have is None:
                unstated.append(k)
            elif have != v:
                return []
        return unstated

    def refs(self) -> list[tuple[tuple[str, ...], str]]:
        return [(tuple(self.events), f) for f in self.where]


# --- units ---------------------------------------------------------------------------


class MaxUnits(_Edit):
    """At most N units (or contacts) of a code on the date of service (or per line)."""

    kind: Literal["max_units"] = "max_units"
    default_stage: ClassVar[tuple[Stage, ...]] = REQUEST_AND_CLAIM
    count: Literal["units", "contacts"] = "units"
    per: Literal["date", "line"] = "date"
    max: Num | None = Field(None, description="one limit for every code of the edit")
    limits: dict[str, Num] = Field({}, description="a limit per code (an MUE table)")

    _limit_keys = field_validator("limits", mode="before")(classmethod(lambda cls, v: _text_codes(v)))

    @model_validator(mode="after")
    def _one_limit(self) -> MaxUnits:
        if (self.max is None) == (not self.limits):
            raise ValueError("give either max (with codes) or limits (per code), not both")
        if self.limits and not self.codes:
            object.__setattr__(self, "codes", list(self.limits))
        return self

    def numbers(self) -> list[Num]:
        return ([self.max] if self.max is not None else []) + list(self.limits.values())


class UnitsPerArray(_Edit):
    """Units of the code equal the arrays (``leads``) of the procedure recorded that day."""

    kind: Literal["units_per_array"] = "units_per_array"
    procedure: EventFilter

    def event_refs(self) -> list[str]:
        return list(self.procedure.events)

    def field_refs(self) -> list[tuple[tuple[str, ...], str]]:
        return [*self.procedure.refs(), *(((e,), "leads") for e in self.procedure.events)]


class LifetimeLimit(_Edit):
    """At most N procedures (or units) in a lifetime, counting the history and this claim."""

    kind: Literal["lifetime_limit"] = "lifetime_limit"
    default_stage: ClassVar[tuple[Stage, ...]] = REQUEST_AND_CLAIM
    history: EventFilter
    measure: Literal["procedures", "units"] = Field(
        description="procedures: each event and this claim count 1; units: events count their leads, "
                    "this claim its units")
    per_region: bool = False
    max: Num
    exceptions: list[Exemption] = Field([], description="documented, they turn a deny into a pend")

    def event_refs(self) -> list[str]:
        return list(self.history.events)

    def field_refs(self) -> list[tuple[tuple[str, ...], str]]:
        # an event without the region or the leads (a prior procedure) counts as unknown there, never as none
        events = tuple(self.history.events)
        extra = [(events, "region")] if self.per_region else []
        extra += [(events, "leads")] if self.measure == "units" else []
        return [*self.history.refs(), *extra]

    def numbers(self) -> list[Num]:
        return [self.max]


class RepeatAfterFailure(_Edit):
    """No new trial while the pathway says the last one failed, unless an exception is documented."""

    kind: Literal["repeat_after_failure"] = "repeat_after_failure"
    default_stage: ClassVar[tuple[Stage, ...]] = REQUEST_AND_CLAIM
    failed_states: list[str] = Field(min_length=1)
    exceptions: list[Exemption] = []

    def state_refs(self) -> list[str]:
        return list(self.failed_states)


# --- bundling, modifiers, global periods ----------------------------------------------


class Bundle(_Edit):
    """The edit's codes are included in a ``with`` code billed in the same scope (or a procedure that day)."""

    kind: Literal["bundle"] = "bundle"
    default_stage: ClassVar[tuple[Stage, ...]] = REQUEST_AND_CLAIM
    with_: list[str] = Field(alias="with", min_length=1)
    same: Scope = "date"
    with_events: list[str] = Field([], description="case procedures on the date of service that include them too")
    bypass_modifiers: list[str] = Field([], description="a line with one of these is a distinct service")

    _with_codes = field_validator("with_", mode="before")(classmethod(lambda cls, v: _text_codes(v)))

    def code_refs(self) -> list[str]:
        return list(self.with_)

    def event_refs(self) -> list[str]:
        return list(self.with_events)


class ModifierNotAllowed(_Edit):
    kind: Literal["modifier_not_allowed"] = "modifier_not_allowed"
    modifiers: list[str] = Field(min_length=1)

    _mods = field_validator("modifiers", mode="before")(classmethod(lambda cls, v: _text_codes(v)))


class GlobalPeriodModifier(_Edit):
    """Inside the global period of an earlier procedure the line needs one of ``modifiers``.

    Day 0 is the day of surgery; a 10-day global covers days 0-10 and day 11 is outside.
    """

    kind: Literal["global_period_modifier"] = "global_period_modifier"
    global_days: dict[str, int] = Field(description="MPFS global days per code")
    within_global_of: list[str] = Field(min_length=1, description="case procedures whose global counts")
    only_after: str | None = Field(None, description="an event (e.g. complication) that must come in between")
    modifiers: list[str] = Field(min_length=1)

    _days = field_validator("global_days", mode="before")(classmethod(lambda cls, v: _text_codes(v)))
    _mods = field_validator("modifiers", mode="before")(classmethod(lambda cls, v: _text_codes(v)))

    def code_refs(self) -> list[str]:
        return list(self.global_days)

    def event_refs(self) -> list[str]:
        return [*self.within_global_of, *([self.only_after] if self.only_after else [])]


class EmSameDay(_Edit):
    """E/M lines (``codes``) on the day of a global-period surgery need the modifiers for its global."""

    kind: Literal["em_same_day"] = "em_same_day"
    global_days: dict[str, int]
    modifiers: dict[int, list[str]] = Field(description="global days of the day's surgery -> modifiers, any of")

    _days = field_validator("global_days", mode="before")(classmethod(lambda cls, v: _text_codes(v)))

    def code_refs(self) -> list[str]:
        return list(self.global_days)


class PlaceOfService(_Edit):
    kind: Literal["place_of_service"] = "place_of_service"
    default_stage: ClassVar[tuple[Stage, ...]] = REQUEST_AND_CLAIM
    allowed: list[Setting] | None = None
    not_allowed: list[Setting] | None = None

    @model_validator(mode="after")
    def _one_list(self) -> PlaceOfService:
        if (self.allowed is None) == (self.not_allowed is None):
            raise ValueError("give either allowed or not_allowed")
        return self


class Grace(_Model):
    after: list[str] = Field(min_length=1, description="procedures that open the grace period")
    days: Num


class Frequency(_Edit):
    """At most one service per ``min_interval_days``, except within ``grace`` of an implant."""

    kind: Literal["frequency"] = "frequency"
    default_stage: ClassVar[tuple[Stage, ...]] = REQUEST_AND_CLAIM
    history: list[str] = Field(min_length=1, description="case events that are earlier services")
    min_interval_days: Num
    grace: Grace | None = None

    def event_refs(self) -> list[str]:
        return [*self.history, *(self.grace.after if self.grace else [])]

    def numbers(self) -> list[Num]:
        return [self.min_interval_days, *([self.grace.days] if self.grace else [])]


class Documentation(_Edit):
    """The performed procedure's record on the date of service must document each item."""

    kind: Literal["documentation"] = "documentation"
    events: list[str] = Field(min_length=1)
    items: dict[str, str] = Field(min_length=1, description="event field -> what it documents")

    def event_refs(self) -> list[str]:
        return list(self.events)

    def field_refs(self) -> list[tuple[tuple[str, ...], str]]:
        return [((e,), f) for e in self.events for f in self.items]


# --- device supplies and other lines without a gate -----------------------------------------


class SupplySetting(_Edit):
    """A device supply line uses the code set of the claim's setting (the catalog's ``supply.settings``)."""

    kind: Literal["supply_setting"] = "supply_setting"


class SupplyUnits(_Edit):
    """Units of device supplies are at most what was placed that day: contacts or leads, per the
    catalog's ``supply.unit``. The count comes from the case's records of the day (``events``), or
    else from the claim's ``procedures`` lines (their units are leads, their ``contacts`` contacts).
    """

    kind: Literal["supply_units"] = "supply_units"
    procedures: list[str] = Field(min_length=1, description="claim lines that place leads: CODE or CODE:use")
    events: list[str] = Field(min_length=1, description="case records of a lead placement, with leads and contacts")

    def code_refs(self) -> list[str]:
        return list(self.procedures)

    def event_refs(self) -> list[str]:
        return list(self.events)

    def field_refs(self) -> list[tuple[tuple[str, ...], str]]:
        return [((e,), f) for e in self.events for f in ("leads", "contacts")]


class NeedsProcedure(_Edit):
    """The line is paid only with a procedure that uses it: a ``with`` line on the claim or a
    ``with_events`` record that day. When every such line on the claim is refused (or pends), the
    line follows them: it is judged after the other lines (see :mod:`.claims`).
    """

    kind: Literal["needs_procedure"] = "needs_procedure"
    with_: list[str] = Field([], alias="with", description="claim lines that use it: CODE or CODE:use")
    with_events: list[str] = Field([], description="case procedures on the date of service that use it")

    _with_codes = field_validator("with_", mode="before")(classmethod(lambda cls, v: _text_codes(v)))

    @model_validator(mode="after")
    def _some_procedure(self) -> NeedsProcedure:
        if not self.with_ and not self.with_events:
            raise ValueError("give the procedures that use the line: with (codes) and/or with_events")
        return self

    def code_refs(self) -> list[str]:
        return list(self.with_)

    def event_refs(self) -> list[str]:
        return list(self.with_events)


# --- authorizations (checked in engine/reconcile.py) -------------------------------------


class AuthorizationRequired(_Edit):
    """Lines of these codes in these settings need an authorization of ``program`` (on file, on the claim)."""

    kind: Literal["authorization_required"] = "authorization_required"
    check: Literal["on_file", "on_claim"]
    program: Literal["prior_authorization", "medicare_opd"]
    places_of_service: list[Setting] = Field(min_length=1)
    effective_from: dt.date


class AuthorizationMatch(_Edit):
    """A line is compared with the authorization on file: its number, code, units, period or setting."""

    kind: Literal["authorization_match"] = "authorization_match"
    check: Literal["number", "code", "units", "period", "setting"]
    places_of_service: list[Setting] = Field([], description="only lines in these settings (empty: all)")


class AuthorizationNumberFormat(_Edit):
    """The authorization number on the claim (e.g. the Medicare OPD UTN) has the program's format."""

    kind: Literal["authorization_number_format"] = "authorization_number_format"
    program: Literal["prior_authorization", "medicare_opd"]
    pattern: str = Field(min_length=1, description="a regular expression the whole number must match")
    places_of_service: list[Setting] = Field([], description="only lines in these settings (empty: all)")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as err:
            raise ValueError(f"not a regular expression: {err}") from None
        return v


class AuthorizationValidity(_Edit):
    """An authorization of ``program`` is valid ``valid_days`` after its decision, at most.

    The decision date is day 0, so the last valid day is the decision date + ``valid_days``. A
    ``valid_to`` recorded on the authorization ends it earlier, never later: the program fixes the
    validity (the Medicare OPD UTN: 120 days), and a record that says otherwise does not extend it.
    """

    kind: Literal["authorization_validity"] = "authorization_validity"
    program: Literal["prior_authorization", "medicare_opd"]
    valid_days: Num

    def numbers(self) -> list[Num]:
        return [self.valid_days]


EditDef = Annotated[
    Union[  # noqa: UP007
        MaxUnits, UnitsPerArray, LifetimeLimit, RepeatAfterFailure, Bundle, ModifierNotAllowed,
        GlobalPeriodModifier, EmSameDay, PlaceOfService, Frequency, Documentation,
        SupplySetting, SupplyUnits, NeedsProcedure, AuthorizationRequired, AuthorizationMatch,
        AuthorizationNumberFormat, AuthorizationValidity,
    ],
    Field(discriminator="kind"),
]
KINDS: tuple[str, ...] = tuple(
    t.model_fields["kind"].default for t in EditDef.__origin__.__args__  # type: ignore[attr-defined]
)


class EditToggle(_Model):
    """A payer pack's switch of an inherited edit: ``{id: ..., enabled: false, note: why}``."""

    id: str = Field(pattern=_ID)
    enabled: bool
    note: str = ""


def _entry_kind(v: Any) -> str:
    return "full" if isinstance(v, dict) and "kind" in v else "toggle"


EditEntry = Annotated[
    Union[Annotated[EditDef, Tag("full")], Annotated[EditToggle, Tag("toggle")]],  # noqa: UP007
    Discriminator(_entry_kind),
]


def merge_edits(
    base: Mapping[str, Any], entries: list[Any], remove: list[str], at: Callable[..., str], *, source: str
) -> dict[str, Any]:
    """A pack's ``edits`` and ``remove_edits`` applied on top of its baseline's edits, by id."""
    edits = dict(base)
    problems = []
    for i, rid in enumerate(remove):
        if edits.pop(rid, None) is None:
            problems.append(Problem(at("remove_edits", i), f"remove_edits: no inherited edit {rid!r}"))
    for i, entry in enumerate(entries):
        if isinstance(entry, EditToggle):
            old = edits.get(entry.id)
            if old is None:
                problems.append(Problem(at("edits", i), f"edit {entry.id!r} is switched but no baseline defines it"))
                continue
            edits[entry.id] = old.model_copy(update={"enabled": entry.enabled, "note": entry.note or old.note})
        else:
            edits[entry.id] = entry
    if problems:
        raise PolicyError(f"{source}: the policy's edits do not apply to its baseline", problems)
    return edits
