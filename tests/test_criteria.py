"""The rule language: three-valued logic, exact percentages, calendar months."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scs_workflow.model.facts import FACTS, Evidence, FactSpec, _pct_less
from scs_workflow.model.windows import months_between
from scs_workflow.policy.criteria import INSUFFICIENT, MET, NOT_MET, AllOf, AnyOf, Leaf, NotOf, Status, compile_expr

# A fact per truth value, registered for these tests only.
for name, value in (("_t_met", True), ("_t_not_met", False), ("_t_unknown", None)):
    FACTS[name] = FactSpec(name, name, "bool", "test", False, lambda f, v=value: Evidence(v))


class NoFacts:
    def get(self, name: str) -> Evidence:
        return FACTS[name].compute(self)  # type: ignore[arg-type]


LEAF = {MET: Leaf(fact="_t_met", eq=True), NOT_MET: Leaf(fact="_t_not_met", eq=True),
        INSUFFICIENT: Leaf(fact="_t_unknown", eq=True)}
statuses = st.sampled_from([MET, NOT_MET, INSUFFICIENT])


def reference(kind: str, values: list[Status]) -> Status:
    """Kleene's strong logic, written the long way."""
    if kind == "all":
        if NOT_MET in values:
            return NOT_MET
        return MET if all(v is MET for v in values) else INSUFFICIENT
    if MET in values:
        return MET
    return NOT_MET if all(v is NOT_MET for v in values) else INSUFFICIENT


@given(st.lists(statuses, min_size=1, max_size=6), st.sampled_from(["all", "any"]))
def test_all_and_any_follow_kleene_logic(values: list[Status], kind: str) -> None:
    kids: list[Any] = [LEAF[v] for v in values]
    expr = AllOf(all=kids) if kind == "all" else AnyOf(any=kids)
    got, _ = compile_expr(expr, {})(NoFacts())  # type: ignore[arg-type]
    assert got is reference(kind, values)


@given(statuses)
def test_not_swaps_met_and_not_met_and_keeps_unknown(value: Status) -> None:
    got, _ = compile_expr(NotOf.model_validate({"not": LEAF[value].model_dump(exclude_none=True)}), {})(NoFacts())  # type: ignore[arg-type]
    assert got is {MET: NOT_MET, NOT_MET: MET, INSUFFICIENT: INSUFFICIENT}[value]


def test_an_undocumented_fact_is_insufficient_never_false() -> None:
    got, leaves = compile_expr(Leaf(fact="_t_unknown", eq=False), {})(NoFacts())  # type: ignore[arg-type]
    assert got is INSUFFICIENT and leaves[0].message.endswith("not documented")


@given(st.integers(1, 100), st.integers(0, 100))
def test_percent_reduction_is_exact_at_the_boundary(before: int, after_tenths: int) -> None:
    b = before / 10 * 10  # whole numbers and tenths as clinicians write them
    a = min(after_tenths / 10, b)
    pct = _pct_less(b, a)
    assert pct is not None
    exact = (b - a) / b * 100
    assert abs(pct - exact) < 1e-3
    if 2 * a == b:
        assert pct == 50.0


def test_percent_reduction_needs_a_baseline() -> None:
    assert _pct_less(0, 0) is None and _pct_less(None, 3) is None and _pct_less(7, 3.5) == 50.0


@given(st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)), st.integers(0, 2000))
def test_calendar_months_match_a_naive_count(start: dt.date, days: int) -> None:
    from dateutil.relativedelta import relativedelta

    end = start + dt.timedelta(days=days)
    naive = 0
    while start + relativedelta(months=naive + 1) <= end:
        naive += 1
    assert months_between(start, end) == naive
    assert months_between(end, start - dt.timedelta(days=1)) == 0 or days == 0
