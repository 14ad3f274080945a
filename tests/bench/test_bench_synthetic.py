"""The synthetic case generator: deterministic, valid, and spread over the pathway and the packs."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from scs_workflow import Engine, parse_case
from scs_workflow.cli import main
from scs_workflow.model.facts import CaseView
from scs_workflow.testing.synthetic import DEFAULT_AS_OF, PACKS, STAGES, generate, stage_of

N = 600
REACHED = {"intake", "conservative_care_failed", "candidate", "trial_active", "trial_succeeded", "trial_failed",
           "trial_technical_failure", "leads_implanted", "system_implanted", "in_follow_up", "explanted"}


@pytest.fixture(scope="module")
def mix() -> list[dict]:  # type: ignore[type-arg]
    return list(generate(N, seed=3))


def test_same_seed_gives_the_same_cases(mix: list[dict]) -> None:  # type: ignore[type-arg]
    assert list(generate(N, seed=3)) == mix


def test_another_seed_gives_other_cases(mix: list[dict]) -> None:  # type: ignore[type-arg]
    assert list(generate(20, seed=4)) != mix[:20]


def test_case_i_is_the_same_whatever_the_slice(mix: list[dict]) -> None:  # type: ignore[type-arg]
    assert list(generate(7, seed=3, start=100)) == mix[100:107]


def test_every_case_is_valid_and_synthetic(mix: list[dict]) -> None:  # type: ignore[type-arg]
    for data in mix:
        case = parse_case(data, "synthetic")
        assert case.case_id.startswith("SYN-") and case.patient_ref.startswith("SYN-")


def test_every_stage_and_pack_is_drawn() -> None:
    drawn = Counter(stage_of(i, 3) for i in range(N))
    assert {s for s, _ in drawn} == set(STAGES)
    assert {p for _, p in drawn} == set(PACKS)


def test_replayed_states_span_the_pathway_in_every_pack(mix: list[dict], engine: Engine) -> None:  # type: ignore[type-arg]
    states: dict[str, set[str]] = {p: set() for p in PACKS}
    for data in mix:
        case = parse_case(data)
        pathway = engine.compiled(engine.policy_for(case, DEFAULT_AS_OF)).pathway
        states[case.policy].add(pathway.replay(CaseView(case), DEFAULT_AS_OF).state)
    assert set().union(*states.values()) == REACHED
    for pack, seen in states.items():
        assert len(seen) >= 9, (pack, seen)


def test_about_twenty_events_a_case(mix: list[dict]) -> None:  # type: ignore[type-arg]
    mean = sum(len(c["events"]) for c in mix) / len(mix)
    assert 18 <= mean <= 22


def test_timelines_lead_up_to_the_date_of_service(mix: list[dict]) -> None:  # type: ignore[type-arg]
    late = [c for c in mix if any(dt.date.fromisoformat(e["date"]) > DEFAULT_AS_OF for e in c["events"])]
    assert 0 < len(late) < len(mix) * 0.1  # a few carry one later event, on purpose


def test_synth_command_writes_one_case_per_line(tmp_path: Path) -> None:
    out = tmp_path / "cases.jsonl"
    result = CliRunner().invoke(main, ["synth", "25", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in lines] == list(generate(25, seed=3))
