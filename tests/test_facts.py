"""Facts measure the case; each declares the event types it reads, and the declaration is true."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scs_workflow import ServiceLine, load_case
from scs_workflow.model.facts import FACTS, CaseView, Facts

EXAMPLES = sorted(Path("examples").glob("*.json"))


class Recording(CaseView):
    __slots__ = ("seen",)

    def upto(self, kind: str, as_of: dt.date, history_only: bool) -> list:  # type: ignore[type-arg]
        self.seen.add(kind)
        return super().upto(kind, as_of, history_only)

    def on(self, kinds, day):  # type: ignore[no-untyped-def]
        self.seen.update(kinds)
        return super().on(kinds, day)


@pytest.mark.parametrize("name", sorted(FACTS))
def test_a_fact_reads_only_the_event_types_it_declares(name):
    for path in EXAMPLES:
        view = Recording(load_case(path))
        view.seen = set()
        facts = Facts(view, dt.date(2026, 6, 15), line=ServiceLine(code="63650"),
                      requested=[ServiceLine(code="63650")])
        facts.get(name)
        assert view.seen <= FACTS[name].reads, (name, view.seen - FACTS[name].reads)


def test_facts_name_the_events_they_used():
    view = CaseView(load_case("examples/fbss-strong-trial.json"))
    value, events = Facts(view, dt.date(2026, 6, 15)).get("trial_pain_reduction_pct")
    assert value == 75.0 and events == ("tr-1", "to-1")


def test_undocumented_is_none_not_false():
    view = CaseView(load_case("examples/crps-candidate.json"))
    facts = Facts(view, dt.date(2026, 1, 15))
    assert facts.get("odi_score").value is None
    assert facts.get("cardiac_devices").value is None
    assert facts.get("late_resort_attested").value is None
