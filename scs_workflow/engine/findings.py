"""What an edit check sees (a :class:`ClaimContext`) and what it returns (:class:`Finding` s).

The checks of each edit kind (:mod:`.coding`, :mod:`.reconcile`) read the lines (of a PA
request in ``decide``, of a claim in ``check-claim``) with the use each line's gate chose,
the case's events as of the date of service and the policy's parameters through this
context, and return ``(line index, Finding)`` pairs. Both commands run the same checks on
the same edit definitions; :func:`run_edits` is that one loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from ..model.case import Authorization, Case
from ..model.facts import CaseView
from ..model.service import ServiceLine
from ..policy.edits import ACTION_TEXT, Action, Confidence, Num, Stage

if TYPE_CHECKING:
    from ..policy import Policy
    from ..policy.codes import CodeCatalog, CodeInfo
    from .outcome import Outcome


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
    missing: str | None = None
    """For a pend because the request (or claim) does not state a fact the rule needs: what to send."""


Hit = tuple[int, Finding]
"""A finding on the line at that index of the claim."""


def finding(edit: Any, message: str, *, outcome: str | None = None, action: str | None = None,
            missing: str | None = None) -> Finding:
    act = action or edit.action
    return Finding(
        edit=edit.id, kind=edit.kind, outcome=outcome or edit.outcome, message=message, action=act,
        todo=ACTION_TEXT[act], citation=edit.cite, url=edit.url, confidence=edit.confidence, verified=edit.verified,
        missing=missing,
    )


def unknown(edit: Any, message: str, what: str) -> Finding:
    """A pend: the rule cannot be judged until *what* is stated (never an approval, never a denial)."""
    return finding(edit, f"{message}: send {what}", outcome="pend", action="send_documentation", missing=what)


@dataclass
class ClaimContext:
    """The lines of a request or a claim, the use their gates chose, and the case and policy they are checked
    against. ``pathway_state`` is the case's state as of the date of service."""

    case: Case
    view: CaseView
    policy: Policy
    date_of_service: dt.date
    lines: list[ServiceLine]
    uses: list[str | None]
    pathway_state: str
    authorization_number: str | None
    catalog: CodeCatalog | None = None
    #: each line's outcome from its gate and the other edits; set before the edits that follow
    #: other lines (``needs_procedure``) run, None before
    outcomes: list[Outcome] | None = None

    def code_catalog(self) -> CodeCatalog:
        from ..policy.codes import default_catalog

        return self.catalog or default_catalog()

    def info(self, i: int) -> CodeInfo:
        """The catalog entry of line *i*'s code."""
        return self.code_catalog().entry(self.lines[i].code)

    def use_of(self, i: int) -> str | None:
        use = self.uses[i]
        return use if use is not None else self.lines[i].use

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


Check = Callable[[Any, ClaimContext], list[Hit]]


def run_edits(ctx: ClaimContext, edits: Sequence[Any], checks: dict[str, Check], stage: Stage) -> list[list[Finding]]:
    """The findings per line of every enabled edit of *stage* (``request`` or ``claim``), in policy order."""
    found: list[list[Finding]] = [[] for _ in ctx.lines]
    for edit in edits:
        if edit.enabled and stage in edit.stages():
            for i, f in checks[edit.kind](edit, ctx):
                found[i].append(f)
    return found
