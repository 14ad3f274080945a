"""What an edit check sees (a :class:`ClaimContext`) and what it returns (:class:`Finding` s).

The checks of each edit kind (:mod:`.coding`, :mod:`.reconcile`) read the claim's lines with
their gate decisions, the case's events as of the date of service and the policy's
parameters through this context, and return ``(line index, Finding)`` pairs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from .case import Authorization, Case
from .edits import ACTION_TEXT, Action, Confidence, Num
from .facts import CaseView
from .service import ServiceLine

if TYPE_CHECKING:
    from .codes import CodeCatalog, CodeInfo
    from .decision import CodeDecision, Outcome
    from .policy import Policy



class Finding(BaseModel):
    """One edit that fired on a line: what is wrong, what to do, and where the rule comes from."""

    model_config = ConfigDict(frozen=True)

    edit: str
    kind: str
    outcome: Literal["deny", "pend"]
    message: str
    action: Action
    todo: str
    citation: str
    url: str | None
    confidence: Confidence
    verified: bool


Hit = tuple[int, Finding]
"""A finding on the line at that index of the claim."""


def finding(edit: Any, message: str, *, outcome: str | None = None, action: str | None = None) -> Finding:
    act = action or edit.action
    return Finding(
        edit=edit.id, kind=edit.kind, outcome=outcome or edit.outcome, message=message, action=act,
        todo=ACTION_TEXT[act], citation=edit.cite, url=edit.url, confidence=edit.confidence, verified=edit.verified,
    )


@dataclass
class ClaimContext:
    """A claim's lines with their gate decisions, and the case and policy they are checked against."""

    case: Case
    view: CaseView
    policy: Policy
    date_of_service: dt.date
    lines: list[ServiceLine]
    gates: list[CodeDecision | None]
    authorization_number: str | None
    catalog: CodeCatalog | None = None
    #: each line's outcome from its gate and the other edits; set before the edits that follow
    #: other lines (``needs_procedure``) run, None before
    outcomes: list[Outcome] | None = None

    def code_catalog(self) -> CodeCatalog:
        from .codes import default_catalog

        return self.catalog or default_catalog()

    def info(self, i: int) -> CodeInfo:
        """The catalog entry of line *i*'s code."""
        return self.code_catalog().entry(self.lines[i].code)

    def use_of(self, i: int) -> str | None:
        gate = self.gates[i]
        return gate.use if gate is not None else self.lines[i].use

    def matches(self, i: int, refs: list[str]) -> bool:
        """Is line *i* one of *refs* (``CODE`` or ``CODE:use``)?"""
        code, use = self.lines[i].code, self.use_of(i)
        return any(r == code or (use is not None and r == f"{code}:{use}") for r in refs)

    def indexes(self, refs: list[str]) -> list[int]:
        return [i for i in range(len(self.lines)) if self.matches(i, refs)]

    def history(self, kinds: list[str]) -> list[Any]:
        """Events of *kinds* before the date of service (documentation on that day included), in date order."""
        evs = [e for k in kinds for e in self.view.upto(k, self.date_of_service, history_only=True)]
        return sorted(evs, key=lambda e: e.date)  # stable: each kind keeps the case order within a day

    def today(self, kinds: list[str]) -> list[Any]:
        """Events of *kinds* recorded on the date of service (the services performed that day)."""
        return self.view.on(kinds, self.date_of_service)

    def authorizations(self) -> list[Authorization]:
        """Authorizations on the case; a later event with the same number replaces an earlier one."""
        latest: dict[str, Authorization] = {}
        for ev in self.view.upto("authorization", dt.date.max, history_only=False):
            latest[ev.number] = ev
        return list(latest.values())

    def num(self, value: Num) -> int:
        if isinstance(value, int):
            return value
        return int(self.policy.parameters[value[1:]])


def exception_documented(ctx: ClaimContext, exceptions: list[str]) -> str | None:
    """The first documented exception of *exceptions*, in words, or None."""
    for name in exceptions:
        if name == "technical_failure":
            outs = ctx.history(["trial_outcome"])
            if outs and outs[-1].technical_failure:
                return f"technical failure of the last trial ({outs[-1].id})"
        elif name == "extenuating_circumstances":
            hits = [a for a in ctx.history(["attestation"]) if a.kind == "extenuating_circumstances" and a.value]
            if hits:
                return f"extenuating circumstances ({hits[-1].id})"
    return None
