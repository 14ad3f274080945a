"""The committed diagrams are generated from the YAML: a stale one fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from scs_workflow.engine.pathway import mermaid

DIAGRAMS = Path(__file__).resolve().parent.parent / "diagrams"


@pytest.mark.parametrize("policy_id", ["medicare", "aetna", "cigna"])
def test_committed_diagram_matches_the_policy(engine, policy_id):
    committed = DIAGRAMS / f"{policy_id}.mmd"
    assert committed.exists(), f"run: scs-workflow diagram {policy_id} --out {committed}"
    fresh = mermaid(engine.library.get(policy_id))
    assert committed.read_text() == fresh, f"stale: run scs-workflow diagram {policy_id} --out diagrams/{policy_id}.mmd"


def test_diagram_shows_guards_and_the_final_state(engine):
    text = mermaid(engine.library.get("medicare"))
    assert "trial_active --> trial_succeeded: trial_outcome [trial_relief & !trial_technical_failure]" in text
    assert "explanted --> [*]" in text and text.startswith("---\ntitle: medicare@2026.1")
