"""Criteria: the rule language of the policy YAML, judged in three values.

A criterion's ``test`` is a small expression over facts::

    test: {any: [{fact: trial_pain_reduction_pct, ge: $trial_relief_pct},
                 {fact: trial_analgesic_reduction_pct, ge: $trial_relief_pct}]}

Each leaf compares one fact with a value or a ``$parameter``. A leaf whose fact is
undocumented is ``insufficient`` rather than false, and ``all``/``any``/``not``
combine the three values the way Kleene logic does, so "we don't know yet"
(pend) is never confused with "it is not met" (deny).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from ..model.facts import BY_CODES, FACTS, Contradiction, Facts


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    INSUFFICIENT = "insufficient"
    NOT_APPLICABLE = "not_applicable"


MET, NOT_MET, INSUFFICIENT = Status.MET, Status.NOT_MET, Status.INSUFFICIENT

_ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt,
}
_SYMBOL = {"eq": "", "ne": "≠", "ge": "≥", "gt": ">", "le": "≤", "lt": "<", "in": "one of",
           "not_in": "none of", "includes_any": "includes one of", "includes_all": "includes all of",
           "documents_all": "documents each of",
           "excludes_any": "includes none of", "any_prefix": "has a code starting with",
           "no_prefix": "has no code starting with", "size_ge": "has at least", "exists": "documented"}
OPERATORS = tuple(_SYMBOL)
LIST_OPS = ("includes_any", "includes_all", "documents_all", "excludes_any", "any_prefix", "no_prefix", "size_ge")


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _is_param(v: Any) -> bool:
    return isinstance(v, str) and v.startswith("$") and v[1:].isidentifier()


class Leaf(_Node):
    """One comparison: ``{fact: NAME, <operator>: value | $parameter}``."""

    fact: str
    eq: Any = None
    ne: Any = None
    ge: Any = None
    gt: Any = None
    le: Any = None
    lt: Any = None
    in_: Any = Field(None, alias="in")
    not_in: Any = None
    includes_any: Any = None
    includes_all: Any = None
    documents_all: Any = None
    """Like ``includes_all``, but a member missing from the list is undocumented (pend), never not met."""
    excludes_any: Any = None
    any_prefix: Any = None
    no_prefix: Any = None
    size_ge: Any = None
    exists: bool | None = None
    of_codes: Any = None
    """Measure the fact on these ICD-10 codes' diagnoses only (facts in ``BY_CODES``, e.g.
    ``pain_duration_months``: the pain of the neuropathic diagnosis, not of any diagnosis)."""

    @field_validator("ge", "gt", "le", "lt", "size_ge")
    @classmethod
    def _number(cls, v: Any) -> Any:
        if v is None or _is_param(v) or (isinstance(v, (int, float)) and not isinstance(v, bool)):
            return v
        raise ValueError(f"must be a number or a $parameter, not {v!r}")

    @field_validator("in_", "not_in", "includes_any", "includes_all", "documents_all", "excludes_any", "any_prefix",
                     "no_prefix", "of_codes")
    @classmethod
    def _list(cls, v: Any) -> Any:
        if v is None or _is_param(v) or isinstance(v, list):
            return v
        raise ValueError(f"must be a list or a $parameter, not {v!r}")

    @model_validator(mode="after")
    def _one_operator(self) -> Leaf:
        given = [op for op in OPERATORS if self.operand_of(op) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a test on {self.fact!r} needs exactly one operator of {', '.join(OPERATORS)}"
                f" (got {', '.join(given) or 'none'})"
            )
        return self

    def operand_of(self, op: str) -> Any:
        return getattr(self, "in_" if op == "in" else op)

    @property
    def op(self) -> str:
        return next(op for op in OPERATORS if self.operand_of(op) is not None)

    @property
    def operand(self) -> Any:
        return self.operand_of(self.op)


class AllOf(_Node):
    all: list[Expr] = Field(min_length=1)


class AnyOf(_Node):
    any: list[Expr] = Field(min_length=1)


class NotOf(_Node):
    not_: Expr = Field(alias="not")


def _kind(v: Any) -> str:
    for cls, tag in ((AllOf, "all"), (AnyOf, "any"), (NotOf, "not"), (Leaf, "fact")):
        if isinstance(v, cls):
            return tag
    if isinstance(v, dict):
        for k in ("all", "any", "not", "fact"):
            if k in v:
                return k
        return "fact"
    return type(v).__name__.lower()


Expr = Annotated[
    Annotated[AllOf, Tag("all")] | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")] | Annotated[Leaf, Tag("fact")],
    Discriminator(_kind),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


@dataclass(frozen=True)
class LeafResult:
    """The evidence behind one comparison; its message is written only when someone reads it."""

    fact: str
    value: Any
    events: tuple[str, ...]
    status: Status
    wants: str

    @property
    def message(self) -> str:
        label = FACTS[self.fact].label
        if self.status is INSUFFICIENT:
            if isinstance(self.value, Contradiction):
                return f"{label}: {self.value}"
            if self.value:
                return f"{label}: {_show(self.value)}, the rest not documented (needs {self.wants})"
            return f"{label}: not documented"
        shown = "none" if self.value is None else _show(self.value)
        return f"{label}: {shown} (needs {self.wants})"


Judge = Callable[[Facts], tuple[Status, list[LeafResult]]]


def leaves(expr: Expr) -> list[Leaf]:
    """Every comparison in *expr*, in order (for validation and documentation)."""
    if isinstance(expr, Leaf):
        return [expr]
    if isinstance(expr, NotOf):
        return leaves(expr.not_)
    kids = expr.all if isinstance(expr, AllOf) else expr.any
    return [leaf for kid in kids for leaf in leaves(kid)]


def resolve(operand: Any, params: dict[str, Any]) -> Any:
    """Replace a ``$name`` operand by its parameter value (validated at load time)."""
    if isinstance(operand, str) and operand.startswith("$"):
        return params[operand[1:]]
    return operand


def compile_expr(expr: Expr, params: dict[str, Any]) -> Judge:
    """Turn *expr* into a function of facts; parameters are bound once, here."""
    if isinstance(expr, Leaf):
        return _compile_leaf(expr, params)
    if isinstance(expr, NotOf):
        inner = compile_expr(expr.not_, params)

        def negate(f: Facts) -> tuple[Status, list[LeafResult]]:
            st, ev = inner(f)
            return ({MET: NOT_MET, NOT_MET: MET}.get(st, st), ev)

        return negate
    is_all = isinstance(expr, AllOf)
    kids = [compile_expr(k, params) for k in (expr.all if isinstance(expr, AllOf) else expr.any)]
    decisive, other = (NOT_MET, MET) if is_all else (MET, NOT_MET)

    def combine(f: Facts) -> tuple[Status, list[LeafResult]]:
        found: list[LeafResult] = []
        seen: set[Status] = set()
        for kid in kids:
            st, ev = kid(f)
            seen.add(st)
            found.extend(ev)
        if decisive in seen:  # show what decided it: the met branch of an any, the failed part of an all
            return decisive, [leaf for leaf in found if leaf.status is decisive]
        return (INSUFFICIENT if INSUFFICIENT in seen else other), found

    return combine


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (list, tuple)):
        shown = [_show(x) for x in v[:6]]
        if len(v) > 6:
            shown[-1] = f"… {len(v)} in all"
        return "[" + ", ".join(shown) + "]"
    return str(v)


def _compile_leaf(leaf: Leaf, params: dict[str, Any]) -> Judge:
    name, op = leaf.fact, leaf.op
    target = resolve(leaf.operand, params)
    among = None if leaf.of_codes is None else frozenset(str(x) for x in resolve(leaf.of_codes, params))
    if among is not None and name not in BY_CODES:
        raise ValueError(f"of_codes: {name!r} cannot be measured on a list of codes "
                         f"(those that can: {', '.join(sorted(BY_CODES))})")
    if FACTS[name].kind in ("list", "text") and isinstance(target, list):
        target = [str(x) for x in target]  # YAML reads 63650 as a number; codes are text
    test = _predicate(op, target)
    if op == "exists":
        wants = "one on file" if target else "none on file"
    elif op in ("eq",):
        wants = _show(target)
    else:
        wants = f"{_SYMBOL[op]} {_show(target)}"

    def judge(f: Facts) -> tuple[Status, list[LeafResult]]:
        value, events = f.get(name) if among is None else f.get_among(name, among)
        if (value is None and op != "exists") or isinstance(value, Contradiction):
            return INSUFFICIENT, [LeafResult(name, value, events, INSUFFICIENT, wants)]
        st = MET if test(value) else (INSUFFICIENT if op == "documents_all" else NOT_MET)
        return st, [LeafResult(name, value, events, st, wants)]

    return judge


def _predicate(op: str, t: Any) -> Callable[[Any], bool]:
    if op in _ORDER_OPS:
        cmp = _ORDER_OPS[op]
        return lambda v: bool(cmp(v, t))
    if op == "eq":
        return lambda v: bool(v == t)
    if op == "ne":
        return lambda v: bool(v != t)
    if op == "exists":
        return lambda v: (v is not None) == t
    if op == "size_ge":
        return lambda v: len(v) >= t
    members = frozenset(t)
    if op == "in":
        return lambda v: v in members
    if op == "not_in":
        return lambda v: v not in members
    if op == "includes_any":
        return lambda v: not members.isdisjoint(v)
    if op in ("includes_all", "documents_all"):
        return lambda v: members.issubset(v)
    if op == "excludes_any":
        return lambda v: members.isdisjoint(v)
    prefixes = tuple(t)
    if op == "any_prefix":
        return lambda v: any(str(x).startswith(prefixes) for x in v)
    if op == "no_prefix":
        return lambda v: not any(str(x).startswith(prefixes) for x in v)
    raise AssertionError(op)  # pragma: no cover - the schema admits no other operator


@dataclass(frozen=True)
class Judgement:
    """How one criterion came out, with the comparisons that decided it."""

    status: Status
    leaves: list[LeafResult]


CriterionJudge = Callable[[Facts], Judgement]


def compile_criterion(test: Expr, when: Expr | None, params: dict[str, Any]) -> CriterionJudge:
    """A criterion applies only when its ``when`` holds; undocumented ``when`` is insufficient."""
    judge_test = compile_expr(test, params)
    if when is None:
        def judge(f: Facts) -> Judgement:
            st, ev = judge_test(f)
            return Judgement(st, ev)

        return judge
    judge_when = compile_expr(when, params)

    def judge_if(f: Facts) -> Judgement:
        w, wev = judge_when(f)
        if w is NOT_MET:
            return Judgement(Status.NOT_APPLICABLE, wev)
        st, ev = judge_test(f)
        if w is INSUFFICIENT:  # "when -> test" read as (not when) or test
            return Judgement(MET if st is MET else INSUFFICIENT, wev + ev)
        return Judgement(st, ev)

    return judge_if
