"""What a careful reviewer of a policy would check before trusting it.

The schema catches malformed YAML; these checks catch a policy that is well formed
but means something impossible: unreachable states, dead ends, gates naming unknown
states or codes, criteria reading evidence the case model does not have, criteria
without a citation or citing a source that is not the pack's own, two transitions no guard
tells apart, and a rule defined twice (a criterion and an edit, or two edits, stating the same
clause for the same codes).
"""

from __future__ import annotations

from collections import deque

from ..model.case import EVENT_TYPES
from ..model.errors import Problem
from ..model.facts import FACTS
from .criteria import LIST_OPS, Leaf, leaves
from .schema import Policy

_NUMERIC_OPS = ("ge", "gt", "le", "lt")


def check_policy(policy: Policy) -> list[Problem]:
    """Every problem found, each located at the file and line that wrote the item."""
    from .codes import default_catalog

    catalog = default_catalog()
    out: list[Problem] = []
    w = policy.where

    def add(key: str, message: str) -> None:
        out.append(Problem(w.get(key, w.get("file", policy.key)), message))

    names = [s.name for s in policy.states]
    known = set(names)
    for dup in sorted({n for n in names if names.count(n) > 1}):
        add(f"states.{dup}", f"state {dup!r} is defined twice")
    if policy.initial not in known:
        add("initial", f"initial state {policy.initial!r} is not a defined state")

    outgoing: dict[str, list[int]] = {}
    for i, t in enumerate(policy.transitions):
        key = f"transitions[{i}]"
        for name in [*t.source, t.dest]:
            if name not in known:
                add(key, f"transition {t.trigger}: unknown state {name!r}")
        if not t.auto and t.trigger not in EVENT_TYPES:
            add(key, f"transition {t.trigger}: no case event has this type "
                     f"(known: {', '.join(EVENT_TYPES)}); mark it `auto: true` if it is a milestone")
        if t.auto and t.trigger in EVENT_TYPES:
            add(key, f"transition {t.trigger}: an automatic milestone must not share a case event's name")
        if t.auto and not t.requires:
            add(key, f"automatic transition {t.trigger} has no criteria: it would fire unconditionally")
        for cid in t.requires + t.requires_not_met:
            if cid not in policy.criteria:
                add(key, f"transition {t.trigger} requires unknown criterion {cid!r}")
        for name in t.source:
            outgoing.setdefault(name, []).append(i)

    out += _ambiguous(policy, outgoing)

    reach = _reachable(policy)
    for s in policy.states:
        if s.name not in reach and policy.initial in known:
            add(f"states.{s.name}", f"state {s.name!r} cannot be reached from {policy.initial!r}")
        if not s.final and s.name not in outgoing:
            add(f"states.{s.name}", f"state {s.name!r} is not final but no transition leaves it")

    gate_refs: set[str] = set()
    for code, uses in policy.gates.items():
        key = f"gates.{code}"
        info = catalog.codes.get(code)
        if info is None:
            add(key, f"gate for unknown code {code!r}")
        elif not info.in_pathway:
            add(key, f"gate for {code}, which is outside the SCS pathway")
        elif not info.gated:
            add(key, f"gate for {code}, a claim-only {info.family} code: the edits judge it, not a gate")
        seen_uses: set[str] = set()
        for use in uses:
            if use.use in seen_uses:
                add(key, f"gate {code} defines use {use.use!r} twice")
            seen_uses.add(use.use)
            gate_refs |= {code, f"{code}:{use.use}"}
            for name in use.states:
                if name not in known:
                    add(key, f"gate {code}:{use.use} names unknown state {name!r}")

    for cid, crit in policy.criteria.items():
        key = f"criteria.{cid}"
        if not crit.cite.strip():
            add(key, f"criterion {cid} has no citation")
        if crit.confidence in ("M", "S2") and crit.verified:
            add(key, f"criterion {cid} is confidence {crit.confidence} and cannot be verified: true")
        for ref in crit.applies_to:
            if ref not in gate_refs:
                add(key, f"criterion {cid} applies to {ref!r}, which no gate defines")
        exprs = [crit.test] + ([crit.when] if crit.when is not None else [])
        for leaf in (lf for e in exprs for lf in leaves(e)):
            for msg in _leaf_problems(leaf, policy):
                add(key, f"criterion {cid}: {msg}")
        for msg in _source_problems(crit.source, policy):
            add(key, f"criterion {cid}: {msg}")
    for sid in policy.adopts:
        if sid not in policy.sources:
            add("sources", f"adopts {sid!r}, which is not a source of the baseline")
    for eid, msg in _edit_problems(policy, set(catalog.codes)):
        add(f"edits.{eid}", f"edit {eid}: {msg}")
    for eid, edit in policy.edits.items():  # the supply kinds read the catalog's `supply` of each code
        if edit.kind in ("supply_setting", "supply_units"):
            for code in edit.codes:
                info = catalog.codes.get(code)
                if info is not None and info.supply is None:
                    add(f"edits.{eid}", f"edit {eid}: {code} is not a device supply code of the catalog")
    for key, msg in _defined_twice(policy):
        add(key, msg)
    return out


def _source_problems(cited: list[str], policy: Policy) -> list[str]:
    """A rule in effect cites only the pack's own sources, or a baseline source the pack adopts."""
    foreign = [sid for sid in cited if sid not in policy.sources]
    if not foreign:
        return []
    own = ", ".join(sorted(policy.sources)) or "none"
    return [f"cites source {', '.join(map(repr, foreign))}, not among the pack's sources ({own}): restate it "
            "with the pack's own citation, switch it off, or `adopts` the source"]


def _fact_problems(name: str) -> list[str]:
    """A fact must read event types the case has, and the fields it needs must be on them."""
    from ..model.case import Event

    spec = FACTS[name]
    fields = {t.model_fields["type"].default: set(t.model_fields) for t in Event.__origin__.__args__}  # type: ignore[attr-defined]
    msgs = [f"reads {name!r}, which reads case events {ev!r} that the case model does not have"
            for ev in sorted(spec.reads) if ev not in fields]
    known = [ev for ev in sorted(spec.reads) if ev in fields]
    if not spec.per_request and not spec.reads:
        msgs.append(f"reads {name!r}, which no case event can supply (it declares no event types)")
    for field_name in sorted(spec.fields):
        if not any(field_name in fields[ev] for ev in known):
            msgs.append(f"reads {name!r}, which needs the field {field_name!r} that no event it reads carries "
                        f"({', '.join(known) or 'none'})")
    return msgs


def _leaf_problems(leaf: Leaf, policy: Policy) -> list[str]:
    spec = FACTS.get(leaf.fact)
    if spec is None:
        return [f"reads {leaf.fact!r}, which the case model does not provide "
                f"(known facts: {', '.join(sorted(FACTS))})"]
    msgs = _fact_problems(leaf.fact)
    operand = leaf.operand
    if isinstance(operand, str) and operand.startswith("$"):
        if operand[1:] not in policy.parameters:
            return [f"uses parameter {operand!r}, which the policy does not define"]
        operand = policy.parameters[operand[1:]]
    op = leaf.op
    if op in _NUMERIC_OPS and (spec.kind != "number" or not isinstance(operand, (int, float))):
        msgs.append(f"{op} compares numbers, but {leaf.fact} is {spec.kind} and the value is {operand!r}")
    if op in LIST_OPS and spec.kind != "list":
        msgs.append(f"{op} needs a list fact, but {leaf.fact} is {spec.kind}")
    if op in ("in", "not_in") + LIST_OPS and op != "size_ge" and not isinstance(operand, list):
        msgs.append(f"{op} needs a list value, got {operand!r}")
    if op == "eq" and spec.kind == "bool" and not isinstance(operand, bool):
        msgs.append(f"{leaf.fact} is yes/no; compare it with true or false, not {operand!r}")
    return msgs


def _ambiguous(policy: Policy, outgoing: dict[str, list[int]]) -> list[Problem]:
    """Two transitions from one state on one event must be told apart by a guard."""
    out = []
    for state, idxs in outgoing.items():
        for a_pos, a in enumerate(idxs):
            for b in idxs[a_pos + 1:]:
                ta, tb = policy.transitions[a], policy.transitions[b]
                if ta.trigger != tb.trigger:
                    continue
                apart = (set(ta.requires) & set(tb.requires_not_met)) or (set(tb.requires) & set(ta.requires_not_met))
                if not apart:
                    out.append(Problem(
                        policy.where.get(f"transitions[{b}]", policy.key),
                        f"transitions[{a}] and transitions[{b}] both leave {state!r} on {ta.trigger!r} and no "
                        "guard tells them apart (one must require a criterion met that the other requires not met)",
                    ))
    return out


def _reachable(policy: Policy) -> set[str]:
    seen = {policy.initial}
    queue = deque([policy.initial])
    while queue:
        s = queue.popleft()
        for t in policy.transitions:
            if s in t.source and t.dest not in seen:
                seen.add(t.dest)
                queue.append(t.dest)
    return seen


# --- claim-line coding edits (scs_workflow/policy/edits.py) ----------------------------


def _edit_problems(policy: Policy, catalog: set[str]) -> list[tuple[str, str]]:
    """Citations, confidence, and every code, event, field, state and $parameter an edit names."""
    from ..model.case import Event

    fields = {t.model_fields["type"].default: set(t.model_fields) for t in Event.__origin__.__args__}  # type: ignore[attr-defined]
    uses = {code: {u.use for u in gate} for code, gate in policy.gates.items()}
    out: list[tuple[str, str]] = []
    for eid, edit in policy.edits.items():
        def bad(msg: str, eid: str = eid) -> None:
            out.append((eid, msg))

        if not edit.cite.strip():
            bad("has no citation")
        if edit.enabled:
            for msg in _source_problems(edit.source, policy):
                bad(msg)
        if edit.confidence in ("M", "S2") and edit.verified:
            bad(f"is confidence {edit.confidence} and cannot be verified: true")
        if edit.kind.startswith("authorization_") and "request" in edit.stages():
            bad("reconciles a claim with its authorization: it cannot be judged on a request (stage: [claim])")
        if edit.kind == "em_same_day":
            for code in edit.codes:
                if code in catalog:
                    bad(f"lists {code} as an E/M code, but it is an SCS code of the catalog")
            missing = sorted(set(edit.global_days.values()) - set(edit.modifiers))
            if missing:
                bad(f"gives no modifiers for a global of {missing} days")
        elif not edit.codes:
            bad("names no codes")
        refs = edit.code_refs() + ([] if edit.kind == "em_same_day" else edit.codes)
        for ref in refs:
            code, _, use = ref.partition(":")
            if code not in catalog:
                bad(f"names unknown code {code!r}")
            elif use and use not in uses.get(code, set()):
                bad(f"names {ref!r}, but the policy's gate for {code} has no use {use!r}")
        for ev in edit.event_refs():
            if ev not in fields:
                bad(f"reads case events {ev!r}, which the case model does not have")
        for evs, name in edit.field_refs():
            known = [ev for ev in evs if ev in fields]
            if known and not any(name in fields[ev] for ev in known):
                bad(f"reads {name!r} of {', '.join(known)}, which the case model does not have")
        for state in edit.state_refs():
            if state not in {s.name for s in policy.states}:
                bad(f"names unknown state {state!r}")
        for n in edit.numbers():
            if isinstance(n, str):
                value = policy.parameters.get(n[1:])
                if not isinstance(value, int) or isinstance(value, bool):
                    bad(f"uses {n}, which is not a whole-number parameter of the policy")
    return out


# --- each rule once ----------------------------------------------------------------------

#: what an edit of a kind checks besides its codes: two edits of one clause that check different
#: things (the leads and the contacts of one A56876 limit) are two halves of the rule, not a copy
_CHECKS_WHAT: dict[str, tuple[str, ...]] = {
    "max_units": ("count", "per"), "lifetime_limit": ("measure", "per_region"),
    "authorization_match": ("check",), "authorization_required": ("check",), "bundle": ("same",),
}


def _clause(cite: str) -> str:
    return " ".join(cite.lower().split()).rstrip(").;, ")


def _same_clause(a: str, b: str) -> bool:
    """The same citation, or one that only adds to the other ("A56876 (x)" and "A56876 (x; y)")."""
    ca, cb = _clause(a), _clause(b)
    return ca.startswith(cb) or cb.startswith(ca)


def _overlap(a: list[str], b: list[str]) -> list[str]:
    """Refs (``CODE`` or ``CODE:use``) of *a* that some ref of *b* also covers."""
    out = []
    for x in a:
        cx, _, ux = x.partition(":")
        for y in b:
            cy, _, uy = y.partition(":")
            if cx == cy and (not ux or not uy or ux == uy):
                out.append(x)
                break
    return out


def _defined_twice(policy: Policy) -> list[tuple[str, str]]:
    """A rule stated twice (same id, or the same clause for the same codes) is judged twice, and the two
    copies drift apart: keep one (coding rules as edits, medical necessity as criteria)."""
    out: list[tuple[str, str]] = []
    edits = [e for e in policy.edits.values() if e.enabled]
    for e in edits:
        if e.id in policy.criteria:
            out.append((f"edits.{e.id}", f"rule {e.id!r} is defined twice: as a criterion and as an edit"))
    for c in policy.criteria.values():
        for e in edits:
            codes = _overlap(c.applies_to, e.codes)
            if codes and e.id != c.id and _same_clause(c.cite, e.cite):
                out.append((f"criteria.{c.id}", f"rule defined twice: criterion {c.id} and edit {e.id} state the "
                                                f"same clause ({c.cite}) for {', '.join(codes)}: keep one"))
    for i, a in enumerate(edits):
        what = _CHECKS_WHAT.get(a.kind, ())
        for b in edits[i + 1:]:
            if a.kind != b.kind or any(getattr(a, f) != getattr(b, f) for f in what):
                continue
            codes = _overlap(a.codes, b.codes)
            if codes and _same_clause(a.cite, b.cite):
                out.append((f"edits.{b.id}", f"rule defined twice: edits {a.id} and {b.id} state the same clause "
                                             f"({a.cite}) for {', '.join(codes)}: keep one"))
    return out
