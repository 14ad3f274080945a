"""Payer policies: the YAML schema, loading with file:line errors, ``extends`` and versions.

A policy file states one payer's coverage rules for SCS: parameters (every threshold),
criteria (each with its citation and whether the fact was verified), the pathway
(states and transitions) and per-code gates. A payer pack ``extends`` a baseline and
states only what differs. The version in force on the date of service is chosen.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..model.errors import PolicyError, Problem
from .criteria import Expr
from .edits import EditDef, EditEntry, merge_edits
from .reader import read_yaml as read_yaml  # codes.py and store/clocks.py read YAML through here

Confidence = Literal["S", "S2", "M", "D"]


def _codes(v: Any) -> Any:
    """YAML reads ``63650`` as an int; codes are strings."""
    if isinstance(v, dict):
        return {str(k): x for k, x in v.items()}
    if isinstance(v, list):
        return [str(x) for x in v]
    return v


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class StateDef(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    final: bool = False


class TransitionDef(_Model):
    """``trigger`` is the case event type that fires it (or a name, for ``auto`` ones)."""

    trigger: str
    source: list[str]
    dest: str
    auto: bool = Field(False, description="tried after every event: documentation milestones")
    requires: list[str] = Field([], description="criteria that must be met")
    requires_not_met: list[str] = Field([], description="criteria that must be judged not met")
    onboarding: bool = Field(False, description="records history from before tracking began; "
                             "never suggested as a way to unlock a code")
    description: str = ""

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


def source_ids(v: Any) -> Any:
    """``source: a56876`` or ``source: [ncd_160_7, l37632]``: the ids of the pack's ``sources`` it cites."""
    return [v] if isinstance(v, str) else v


class CriterionDef(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=1, description="the rule in plain language")
    cite: str = Field(min_length=1, description="exact source clause")
    source: list[str] = Field([], description="ids of the pack's sources the citation comes from")
    url: str | None = None
    confidence: Confidence
    verified: bool
    applies_to: list[str] = Field([], description="gates it guards: CODE or CODE:use")
    when: Expr | None = Field(None, description="the criterion applies only when this holds")
    test: Expr
    document: str | None = Field(None, description="what to send when it cannot be judged")

    _codes = field_validator("applies_to", mode="before")(classmethod(lambda cls, v: _codes(v)))
    _source = field_validator("source", mode="before")(classmethod(lambda cls, v: source_ids(v)))


class GateUse(_Model):
    """One use of a code (63650 is a trial or a permanent implant) and the states allowing it."""

    use: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    states: list[str] = Field(min_length=1)
    note: str = ""
    cite: str | None = None


class PolicyFile(_Model):
    """One YAML file as written: a payer pack may leave out what its baseline states."""

    kind: Literal["policy"]
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: str
    payer: str
    version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
    effective_from: dt.date
    effective_to: dt.date | None = None
    extends: str | None = Field(None, description="ID or ID@VERSION of the baseline")
    sources: dict[str, str] = Field({}, description="the pack's own sources by short id: criteria and edits "
                                    "name the ids they cite (`source: a56876`)")
    adopts: list[str] = Field([], description="ids of the baseline's sources this pack takes as its own")
    parameters: dict[str, Any] = {}
    initial: str | None = None
    states: list[StateDef] | None = None
    transitions: list[TransitionDef] | None = None
    criteria: list[CriterionDef] = []
    remove_criteria: list[str] = []
    gates: dict[str, list[GateUse]] = {}
    remove_gates: list[str] = []
    # claim-line coding edits (scs_workflow/policy/edits.py): merged by id; {id, enabled} switches one
    edits: list[EditEntry] = []
    remove_edits: list[str] = []

    _gate_keys = field_validator("gates", "remove_gates", mode="before")(
        classmethod(lambda cls, v: _codes(v))
    )

    @field_validator("sources", mode="before")
    @classmethod
    def _source_list(cls, v: Any) -> Any:
        """A plain list of titles is accepted; its entries get the ids s1, s2, ..."""
        return {f"s{i + 1}": x for i, x in enumerate(v)} if isinstance(v, list) else v


@dataclass
class Policy:
    """A policy version with its baseline merged in; what the engine runs."""

    id: str
    title: str
    payer: str
    version: str
    effective_from: dt.date
    effective_to: dt.date | None
    lineage: list[str]
    parameters: dict[str, Any]
    initial: str
    states: list[StateDef]
    transitions: list[TransitionDef]
    criteria: dict[str, CriterionDef]
    gates: dict[str, list[GateUse]]
    where: dict[str, str] = field(default_factory=dict)
    """Where each item was written (``criteria.trial_relief`` -> ``workflows/x.yaml:40``)."""
    edits: dict[str, EditDef] = field(default_factory=dict)
    """Claim-line coding edits by id, in policy order (see :mod:`scs_workflow.policy.edits`)."""
    sources: dict[str, str] = field(default_factory=dict)
    """The sources its criteria and edits may cite: its own and those it adopts from its baseline."""
    adopts: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


# --- YAML with positions -------------------------------------------------------------


def line_of(node: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """The 1-based line of the item at *loc* (as deep as the YAML goes)."""
    if node is None:
        return None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if str(k.value) == str(part)]
            if match:
                node = match[0]
            continue
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
    return node.start_mark.line + 1


def field_path(loc: Iterable[Any]) -> str:
    """``('criteria', 3, 'test', 'any', 'any', 0, 'fact', 'ge')`` -> ``criteria[3].test.any[0].ge``."""
    parts = list(loc)
    out = ""
    for i, part in enumerate(parts):
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        if part in ("all", "any", "not") and nxt == part:
            continue  # the union's tag, then the field itself
        if part == "fact" and isinstance(nxt, str) and nxt != "fact":
            continue  # the leaf's tag
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_policy_file(path: Path) -> tuple[PolicyFile, yaml.Node | None]:
    data, node = read_yaml(path)
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: a policy file is a YAML mapping", [Problem(f"{path}:1", "not a mapping")])
    try:
        pf = PolicyFile.model_validate(data)
    except ValidationError as err:
        problems = []
        for e in err.errors():
            line = line_of(node, e["loc"])
            where = f"{path}:{line}" if line else str(path)
            msg = e["msg"].removeprefix("Value error, ")
            problems.append(Problem(where, f"{field_path(e['loc']) or '(top)'}: {msg}"))
        raise PolicyError(f"{path}: invalid policy", problems) from None
    problems = []
    for name, value in pf.parameters.items():
        wrong = check_parameter(name, value)
        if wrong:
            line = line_of(node, ["parameters", name])
            problems.append(Problem(f"{path}:{line}" if line else str(path), f"parameters.{name}: {wrong}"))
    if problems:
        raise PolicyError(f"{path}: invalid policy", problems)
    return pf, node


# --- parameters: what each kind of threshold may be ------------------------------------------

_KINDS: dict[str, tuple[str, float | None, float | None, bool]] = {
    # kind: (what it is, lowest, highest, whole numbers only)
    "pct": ("a per cent from 0 to 100", 0, 100, False),
    "count": ("a whole number >= 0", 0, None, True),
    "count1": ("a whole number >= 1", 1, None, True),
    "span": ("a number >= 0", 0, None, False),
    "pain": ("a pain score from 0 to 10", 0, 10, False),
}
#: the parameters the shipped packs use; a new one is checked by its name's suffix (_pct, _days...)
PARAMETER_KINDS: dict[str, str] = {
    "max_leads": "count1", "max_contacts": "count1", "max_trials_per_region": "count1",
    "max_trial_units": "count1", "max_paddle_implants": "count1",
    "programming_interval_days": "span", "programming_first_month_days": "span",
    "trial_relief_pct": "pct", "analgesic_relief_pct": "pct", "min_failed_modalities": "count",
    "min_conservative_months": "count", "min_supervised_conservative_months": "count",
    "odi_min": "pct", "neuropathic_pain_min": "pain", "neuropathic_pain_months": "count",
    "trial_min_days": "span", "trial_max_days": "span", "trial_min_hours": "span",
    "psych_evaluators": "strings", "indication_dx_prefixes": "strings", "neuropathic_dx_prefixes": "strings",
    "hf_dx_prefixes": "strings",
}
_SUFFIX_KINDS = (("_pct", "pct"), ("_days", "span"), ("_hours", "span"), ("_weeks", "span"),
                 ("_months", "span"), ("_prefixes", "strings"), ("_codes", "strings"))


def parameter_kind(name: str) -> str | None:
    """The declared kind of parameter *name* (by name, else by suffix), or None when free."""
    if name in PARAMETER_KINDS:
        return PARAMETER_KINDS[name]
    for suffix, kind in _SUFFIX_KINDS:
        if name.endswith(suffix):
            return kind
    return None


def check_parameter(name: str, value: Any) -> str | None:
    """What is wrong with *value* for parameter *name*, or None."""
    kind = parameter_kind(name)
    if kind is None:
        return None
    if kind == "strings":
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                                  for v in value):
            return f"must be a list of strings, not {_short(value)}"
        return None
    what, low, high, whole = _KINDS[kind]
    if isinstance(value, dict):  # per code, e.g. {"63650": 10}: each value is of the kind
        wrong = []
        for k, v in value.items():
            why = f"must be {what}, not a mapping" if isinstance(v, dict) else check_parameter(name, v)
            if why:
                wrong.append(f"{k}: {why}")
        return "; ".join(wrong) if wrong else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not isinstance(value, int)):
        return f"must be {what}, not {_short(value)}"
    if value != value or (low is not None and value < low) or (high is not None and value > high):
        return f"must be {what}, not {_short(value)}"
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def merge(base: Policy | None, pf: PolicyFile, path: str, node: yaml.Node | None) -> Policy:
    """Apply *pf* on top of *base*: parameters and criteria by key, gates by code."""

    def at(*loc: Any) -> str:
        line = line_of(node, loc)
        return f"{path}:{line}" if line else path

    where = dict(base.where) if base else {}
    params = dict(base.parameters) if base else {}
    clashes = []
    for k, v in pf.parameters.items():
        where[f"parameters.{k}"] = at("parameters", k)
        if k in params and _shape(params[k]) != _shape(v):  # the pack's line, not the baseline's
            clashes.append(Problem(at("parameters", k), f"parameters.{k}: {_shape(v)} overrides "
                                   f"{_shape(params[k])} {_short(params[k])} of the baseline"))
    if clashes:
        raise PolicyError(f"{path}: invalid policy", clashes)
    params.update(pf.parameters)

    criteria = dict(base.criteria) if base else {}
    for cid in pf.remove_criteria:
        criteria.pop(cid, None)
    for i, crit in enumerate(pf.criteria):
        criteria[crit.id] = crit
        where[f"criteria.{crit.id}"] = at("criteria", i)

    gates = {k: list(v) for k, v in base.gates.items()} if base else {}
    for code in pf.remove_gates:
        gates.pop(code, None)
    for code, uses in pf.gates.items():
        gates[code] = list(uses)
        where[f"gates.{code}"] = at("gates", code)

    if pf.states is not None:
        states = list(pf.states)
        for i, s in enumerate(pf.states):
            where[f"states.{s.name}"] = at("states", i)
    else:
        states = list(base.states) if base else []
    if pf.transitions is not None:
        transitions = list(pf.transitions)
        for i, _t in enumerate(pf.transitions):
            where[f"transitions[{i}]"] = at("transitions", i)
    else:
        transitions = list(base.transitions) if base else []
    initial = pf.initial or (base.initial if base else "")
    where.setdefault("initial", at("initial"))

    # claim-line coding edits: by id, like criteria; a toggle entry switches an inherited one
    edits = merge_edits(base.edits if base else {}, pf.edits, pf.remove_edits, at, source=path)
    for i, entry in enumerate(pf.edits):
        where[f"edits.{entry.id}"] = at("edits", i)
    where["file"] = path
    where["sources"] = at("sources")
    sources = dict(pf.sources)
    for sid in pf.adopts:
        if base is not None and sid in base.sources:
            sources.setdefault(sid, base.sources[sid])
    # a parameter an extending pack adds that nothing reads is a misspelt name: the baseline's value would
    # rule silently (in a pack without a baseline, a misspelt name is an undefined $reference: checks.py)
    used = _referenced([criteria, gates, transitions, edits, states])
    unused = [Problem(at("parameters", k), f"parameters.{k}: no criterion, gate or edit uses ${k}; a misspelt "
                      "name? (an override keeps the baseline's name)")
              for k in pf.parameters if base is not None and k not in base.parameters and k not in used]
    if unused:
        raise PolicyError(f"{path}: invalid policy", unused)
    return Policy(
        id=pf.id, title=pf.title, payer=pf.payer, version=pf.version,
        effective_from=pf.effective_from, effective_to=pf.effective_to,
        lineage=[f"{pf.id}@{pf.version}"] + (base.lineage if base else []),
        parameters=params, initial=initial, states=states, transitions=transitions,
        criteria=criteria, gates=gates, where=where, edits=edits, sources=sources, adopts=list(pf.adopts),
    )


_PARAMETER_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _referenced(parts: list[Any]) -> set[str]:
    """Every ``$name`` written in *parts* (criteria, gates, transitions, edits, states)."""
    names: set[str] = set()
    stack: list[Any] = list(parts)
    while stack:
        item = stack.pop()
        if isinstance(item, BaseModel):
            stack.append(item.model_dump(mode="json"))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, str) and "$" in item:
            names.update(_PARAMETER_REF.findall(item))
    return names


def _shape(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a " + type(value).__name__


def default_workflows_dir() -> Path:
    """The shipped ``workflows/`` (in the wheel, or beside the package in a checkout)."""
    package = Path(__file__).resolve().parent.parent  # scs_workflow/ (this file is scs_workflow/policy/schema.py)
    for candidate in (package / "workflows", package.parent / "workflows"):
        if candidate.is_dir():
            return candidate
    raise PolicyError("the shipped workflows/ directory is missing from this installation")
