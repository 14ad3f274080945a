"""Decision clocks held as data (``workflows/clocks.yaml``): when is a request due?

>>> import datetime as dt
>>> book = load_clocks()
>>> friday = dt.datetime(2026, 3, 6, 23, 59, tzinfo=dt.timezone.utc)
>>> book.due(friday, "standard", ["cms-0057-f"]).due_at.isoformat()
'2026-03-13T23:59:00+00:00'
>>> book.due(dt.datetime(2026, 3, 6, 17, 0, tzinfo=dt.timezone.utc), "expedited", ["medicare-opd"]).due_at.isoformat()
'2026-03-10T17:00:00+00:00'

Units: ``hours`` add elapsed time; ``calendar_days`` keep the wall-clock time N days later;
``business_days`` keep the wall-clock time on the N-th business day after the day received
(weekends and listed holidays skipped). Several rule sets: the earliest due time wins.
This module does not touch the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..model.errors import PermissionDenied, PolicyError, Problem
from ..policy import default_workflows_dir, field_path, line_of, read_yaml

Urgency = Literal["expedited", "standard"]
Unit = Literal["hours", "calendar_days", "business_days"]
URGENCIES: tuple[str, ...] = ("expedited", "standard")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Model):
    unit: Unit
    amount: Annotated[int, Field(ge=1)]

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.replace('_', ' ')}"


class ClockRule(_Model):
    effective_from: dt.date
    expedited: Period
    standard: Period
    cite: str | None = None
    confidence: Literal["S", "S2", "M", "D"] | None = None


class RuleSet(_Model):
    title: str
    cite: str
    url: str | None = None
    confidence: Literal["S", "S2", "M", "D"]
    authorization_valid_days: Annotated[int, Field(ge=1)] | None = None
    rules: list[ClockRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> RuleSet:
        days = [r.effective_from for r in self.rules]
        if days != sorted(set(days)):
            raise ValueError("rules must be listed by effective_from, each date once")
        return self

    def in_force(self, day: dt.date) -> ClockRule | None:
        live = [r for r in self.rules if r.effective_from <= day]
        return live[-1] if live else None


class Roles(_Model):
    known: list[str] = Field(min_length=1)
    may_pend: list[str]
    may_approve: list[str]
    may_deny: list[str]
    automatic: str

    @model_validator(mode="after")
    def _known(self) -> Roles:
        unknown = {*self.may_pend, *self.may_approve, *self.may_deny, self.automatic} - set(self.known)
        if unknown:
            raise ValueError(f"roles not listed in `known`: {', '.join(sorted(unknown))}")
        if self.automatic in self.may_deny:
            raise ValueError(f"the automatic role {self.automatic!r} may never deny")
        return self


class ClockFile(_Model):
    kind: Literal["clock-rules"]
    version: str
    timezone: str = "UTC"
    weekend: list[Weekday] = ["saturday", "sunday"]
    holidays: list[dt.date] = []
    default_authorization_valid_days: Annotated[int, Field(ge=1)] = 90
    rule_sets: dict[str, RuleSet] = Field(min_length=1)
    default_by_policy: dict[str, list[str]] = {}
    roles: Roles

    @model_validator(mode="after")
    def _references(self) -> ClockFile:
        for policy, ids in self.default_by_policy.items():
            missing = [i for i in ids if i not in self.rule_sets]
            if missing or not ids:
                raise ValueError(f"default_by_policy.{policy}: unknown rule set {', '.join(missing) or '(none)'}")
        return self


@dataclass(frozen=True)
class Due:
    """A request's due time and the rule that set it."""

    due_at: dt.datetime
    rule_set: str
    period: Period
    rule: ClockRule

    def explain(self) -> str:
        return f"{self.period} ({self.rule_set}, in force from {self.rule.effective_from.isoformat()})"


class ClockBook:
    """The loaded clock rules: due times, default rule sets and role checks."""

    def __init__(self, data: ClockFile, source: str = "clocks.yaml") -> None:
        self.data = data
        self.source = source
        try:
            self.zone = ZoneInfo(data.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problem = Problem(source, f"unknown timezone {data.timezone!r}")
            raise PolicyError(f"{source}: invalid clock rules", [problem]) from None
        self.weekend = {_DAYS.index(d) for d in data.weekend}
        self.holidays = set(data.holidays)
        self.roles = data.roles

    @property
    def rule_sets(self) -> dict[str, RuleSet]:
        return self.data.rule_sets

    def for_policy(self, policy: str, chosen: Sequence[str] = ()) -> list[str]:
        """The rule sets a request uses: those *chosen*, else the policy's default."""
        ids = list(dict.fromkeys(chosen)) or self.data.default_by_policy.get(policy.partition("@")[0], [])
        if not ids:
            raise PolicyError(f"no default clock for policy {policy!r}: name one with --clock "
                              f"({', '.join(self.rule_sets)})")
        unknown = [i for i in ids if i not in self.rule_sets]
        if unknown:
            raise PolicyError(f"unknown clock rule set {', '.join(unknown)} (known: {', '.join(self.rule_sets)})")
        return ids

    def due(self, received_at: dt.datetime, urgency: str, rule_sets: Sequence[str]) -> Due:
        """The earliest due time any of *rule_sets* gives a request received at *received_at*."""
        if received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")
        if urgency not in URGENCIES:
            raise PolicyError(f"urgency must be expedited or standard, not {urgency!r}")
        day = received_at.astimezone(self.zone).date()
        found: list[Due] = []
        for rid in self.for_policy("", rule_sets):
            rule = self.rule_sets[rid].in_force(day)
            if rule is None:
                raise PolicyError(f"clock rule set {rid} has no rule in force on {day.isoformat()}")
            period: Period = getattr(rule, urgency)
            found.append(Due(self.add(received_at, period), rid, period, rule))
        return min(found, key=lambda d: d.due_at)

    def add(self, start: dt.datetime, period: Period) -> dt.datetime:
        """*start* plus *period*, by the unit's rule (see the module docstring)."""
        if period.unit == "hours":
            return (start.astimezone(dt.UTC) + dt.timedelta(hours=period.amount))
        local = start.astimezone(self.zone)
        day = local.date()
        if period.unit == "calendar_days":
            day += dt.timedelta(days=period.amount)
        else:
            counted = 0
            while counted < period.amount:
                day += dt.timedelta(days=1)
                if self.is_business_day(day):
                    counted += 1
        wall = dt.datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=self.zone)
        return wall.astimezone(dt.UTC)

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def valid_days(self, rule_sets: Sequence[str]) -> int | None:
        """How long an approval is valid by default (the OPD UTN: 120 days), if a rule set says."""
        days = [self.rule_sets[r].authorization_valid_days for r in rule_sets if r in self.rule_sets]
        known = [d for d in days if d is not None]
        return min(known) if known else None

    # --- roles -----------------------------------------------------------------------

    def check_role(self, role: str) -> None:
        if role not in self.roles.known:
            raise PermissionDenied(f"unknown role {role!r} (known: {', '.join(self.roles.known)})")

    def require(self, role: str, action: Literal["pend", "approve", "deny"]) -> None:
        """Refuse *action* unless *role* may take it."""
        self.check_role(role)
        allowed: list[str] = getattr(self.roles, f"may_{action}")
        if role not in allowed:
            raise PermissionDenied(f"a {action} needs an actor with role {' or '.join(allowed)}; "
                                   f"{role!r} may not {action}")


def load_clocks(path: Path | None = None) -> ClockBook:
    """Read ``clocks.yaml`` (default: the shipped ``workflows/clocks.yaml``)."""
    path = path or default_workflows_dir() / "clocks.yaml"
    data, node = read_yaml(path)
    try:
        return ClockBook(ClockFile.model_validate(data), str(path))
    except ValidationError as err:
        problems = []
        for e in err.errors():
            line = line_of(node, e["loc"])
            where = f"{path}:{line}" if line else str(path)
            problems.append(Problem(where, f"{field_path(e['loc']) or '(top)'}: {e['msg']}"))
        raise PolicyError(f"{path}: invalid clock rules", problems) from None
