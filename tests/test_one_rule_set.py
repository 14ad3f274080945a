"""One rule set: `decide` and `check-claim` judge the same coding edits with the same code.

Coding and utilization rules (lead limits, trial counts, bundling, place of service, programming
frequency) are defined once, as edits; criteria are medical necessity. A PA request is judged as a
whole, with the same service-line facts a claim line has; a coding refusal never asks for clinical
review, and is reported once.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from casebuilder import DOS, TRIAL_DAY, D, Patient, trial_candidate
from click.testing import CliRunner

from scs_workflow import Case, Engine, PolicyError, PolicyLibrary, ServiceLine, load_case
from scs_workflow.claims import Claim, check_claim
from scs_workflow.cli import main
from scs_workflow.policy import default_workflows_dir
from scs_workflow.policy.checks import check_policy

ENGINE = Engine()
IMPLANT = D(2026, 4, 6)


def line(code: str, pos: str | None = "asc", **facts: object) -> ServiceLine:
    return ServiceLine.parse(code, **({"place_of_service": pos} if pos else {}), **facts)


def decide(case: Case, *lines: ServiceLine, on: dt.date = DOS, policy: str | None = None):  # type: ignore[no-untyped-def]
    return ENGINE.decide(case, list(lines), on, policy=policy).codes


def edits(code_decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.edit for f in code_decision.coding]


def implanted() -> Patient:
    return trial_candidate().trial().implanted(IMPLANT)


def battery_at_end_of_life() -> Case:
    p = implanted()
    p.event("generator_status", D(2026, 8, 1), status="end_of_life", therapy_effective=True)
    return p.case()


# --- decide refuses what check-claim refuses ------------------------------------------------------


def test_no_false_approval_63688_with_63685_same_pocket():
    """CPT: replacing a generator (63685) includes removing the old one (63688) in the same pocket."""
    removal, replacement = decide(battery_at_end_of_life(), line("63688"), line("63685"), on=D(2026, 9, 1))
    assert (removal.gate_outcome.value, removal.outcome.value) == ("approve", "deny")
    assert edits(removal) == ["generator_replacement_includes_removal"]
    assert not removal.requires_clinical_review
    assert replacement.outcome.value == "approve"


def test_63688_in_another_pocket_than_63685_is_not_bundled():
    removal, _ = decide(battery_at_end_of_life(), line("63688", pocket="left"), line("63685", pocket="right"),
                        on=D(2026, 9, 1))
    assert removal.outcome.value == "approve" and removal.coding == []


def test_no_false_approval_permanent_implant_in_office():
    """L37632: a permanent neurostimulator is placed only in an ASC or a hospital."""
    case = trial_candidate().trial().case()
    leads, generator = decide(case, line("63650x2:permanent", "office"), line("63685", "office"))
    for d in (leads, generator):
        assert (d.gate_outcome.value, d.outcome.value) == ("approve", "deny")
        assert edits(d) == ["permanent_implant_in_facility"] and not d.requires_clinical_review
    for pos in ("asc", "hopd", "inpatient"):
        assert [d.outcome.value for d in decide(case, line("63650x2:permanent", pos), line("63685", pos))] == \
            ["approve", "approve"]


def test_unknown_pends_place_of_service_of_a_permanent_implant():
    """A request that does not say where pends for it: never an approval, never a denial."""
    leads, = decide(trial_candidate().trial().case(), line("63650x2:permanent", pos=None))
    assert (leads.gate_outcome.value, leads.outcome.value) == ("approve", "pend")
    assert leads.coding[0].missing is not None and "place of service" in leads.coding[0].missing
    assert leads.missing_documents == [leads.coding[0].missing]
    assert not leads.requires_clinical_review


def test_a_trial_needs_no_place_of_service():
    trial, = decide(trial_candidate().case(), line("63650x2", pos=None), on=TRIAL_DAY)
    assert trial.outcome.value == "approve"


def test_units_summed_across_lines():
    """A request for 63650, 63650, 63650 is three leads, exactly as 63650x3: the same refusal."""
    case = trial_candidate().case()
    three_lines = decide(case, line("63650"), line("63650"), line("63650"), on=TRIAL_DAY)
    one_line, = decide(case, line("63650x3"), on=TRIAL_DAY)
    assert [d.outcome.value for d in three_lines] == ["approve", "approve", "deny"]
    assert one_line.outcome.value == "deny"
    refusal = [(f.edit, f.message) for f in three_lines[2].coding]
    assert refusal == [(f.edit, f.message) for f in one_line.coding]
    assert ("lead_limit_units", f"63650: 3 units on {TRIAL_DAY.isoformat()}; at most 2 are paid: bill at most 2") \
        in refusal
    two_lines = decide(case, line("63650"), line("63650"), on=TRIAL_DAY)
    assert [d.outcome.value for d in two_lines] == ["approve", "approve"]


def test_contacts_summed_across_lines():
    case = trial_candidate().case()
    ok = decide(case, line("63650", contacts=8), line("63650", contacts=8), on=TRIAL_DAY)
    over = decide(case, line("63650", contacts=8), line("63650", contacts=9), on=TRIAL_DAY)
    assert [d.outcome.value for d in ok] == ["approve", "approve"]
    assert [edits(d) for d in over] == [[], ["lead_limit_contacts"]]


def test_coding_conflict_reported_once():
    """Programming 29 days after the last session: one coding finding, no medical-necessity denial."""
    day = D(2026, 6, 9)
    p = implanted().programmed(D(2026, 5, 11)).programmed(day, changed=5)  # the session under review
    case = p.case()
    d, = decide(case, line("95972", pos=None), on=day)
    assert (d.gate_outcome.value, d.outcome.value, d.requires_clinical_review) == ("approve", "deny", False)
    assert edits(d) == ["programming_once_per_30_days"]
    assert "programming_frequency" not in [c.id for c in d.criteria]  # the rule lives once, as an edit
    claimed = check_claim(case, Claim(date_of_service=day, place_of_service="office",
                                      lines=[ServiceLine(code="95972")]), ENGINE).lines[0]
    assert claimed.gate is not None and claimed.gate.coding == [] and claimed.gate.outcome.value == "approve"
    assert [f.edit for f in claimed.edits + claimed.reconciliation] == ["programming_once_per_30_days"]
    assert not claimed.requires_clinical_review
    later = day + dt.timedelta(days=1)  # day 30: the session under review is allowed
    case = implanted().programmed(D(2026, 5, 11)).programmed(later, changed=5).case()
    assert decide(case, line("95972", pos=None), on=later)[0].outcome.value == "approve"


def test_integrated_judged_on_its_merits():
    """0784T with 63650/63685 the same day: the conventional lines are refused, 0784T stands on its own."""
    case = trial_candidate().trial().case()
    integrated, leads, generator = decide(case, line("0784T"), line("63650x2:permanent"), line("63685"))
    assert integrated.outcome.value == "approve" and integrated.coding == []
    for d in (leads, generator):
        assert d.outcome.value == "deny" and edits(d) == ["integrated_replaces_conventional"]
        assert not d.requires_clinical_review
    claimed = check_claim(case, Claim(date_of_service=DOS, place_of_service="asc", lines=[
        ServiceLine(code="0784T"), ServiceLine(code="63650", units=2, use="permanent"), ServiceLine(code="63685")]),
        ENGINE)
    assert claimed.lines[0].gate is not None and claimed.lines[0].gate.outcome.value == "approve"
    assert "integrated_replaces_conventional" not in [f.edit for f in claimed.lines[0].edits]


def test_conventional_generator_with_0785T_the_same_day_is_refused():
    """0785T (revise or remove an integrated system) with 63685 the same day: the conventional line is refused."""
    case = trial_candidate().trial().event("integrated_implant", IMPLANT, leads=1, setting="asc").case()
    revision, generator = decide(case, line("0785T"), line("63685"), on=D(2026, 9, 1))
    assert generator.outcome.value == "deny" and edits(generator) == ["integrated_replaces_conventional"]
    assert "integrated_replaces_conventional" not in edits(revision)


def test_unknown_pends_region_when_a_per_region_limit_would_be_passed():
    """A56876: 2 trials per region. Two thoracic trials on file; a third trial that does not say where pends."""
    p = trial_candidate()
    p.trial(start=D(2025, 3, 2), leads=1, region="thoracic", technical_failure=True)
    p.trial(start=D(2025, 9, 1), leads=1, region="thoracic", technical_failure=True)
    case = p.case()
    unknown, = decide(case, line("63650:trial", pos=None))
    assert unknown.outcome.value == "pend" and edits(unknown) == ["trials_per_region"]
    assert unknown.coding[0].missing is not None and "region" in unknown.coding[0].missing
    elsewhere, = decide(case, line("63650:trial", pos=None, region="cervical"))
    assert elsewhere.outcome.value == "approve"


def test_unknown_region_with_room_in_every_region_does_not_pend():
    p = trial_candidate()
    p.trial(start=D(2025, 3, 2), leads=1, region="thoracic", technical_failure=True)
    unknown, = decide(p.case(), line("63650:trial", pos=None))
    assert unknown.outcome.value == "approve"


def test_a_medicare_only_edit_switched_off_does_not_refuse_a_commercial_request():
    case = trial_candidate("aetna").trial().case()
    leads, = decide(case, line("63650x2:permanent", "office"), policy="aetna")
    assert "permanent_implant_in_facility" not in edits(leads)


def test_each_rule_is_defined_once_in_the_shipped_packs():
    for pol in ENGINE.library.all():
        assert check_policy(pol) == []
        kinds = {e.kind for e in pol.edits.values() if e.enabled}
        assert "repeat_after_failure" not in kinds  # the repeat trial is the gate's repeat_trial_justified
        assert "repeat_trial_justified" in pol.criteria


def test_outcomes_fail_with_the_edit_ids():
    case = trial_candidate().case()
    fast = ENGINE.outcomes(case, ["63650x3"], TRIAL_DAY)
    assert fast.codes == [("63650", fast.codes[0][1], ["lead_limit_units", "mue"])]
    assert fast.codes[0][1].value == "deny"


# --- the command line ------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_decide_takes_the_line_facts_on_the_command_line():
    base = ("decide", "examples/fbss-strong-trial.json", "--code", "63650x2:permanent", "--code", "63685",
            "--date", "2026-06-15", "--json")
    for pos, outcome in (("office", "deny"), ("asc", "approve")):
        code, out, _ = run(*base, "--place-of-service", pos)
        assert code == 0 and [c["outcome"] for c in json.loads(out)["codes"]] == [outcome, outcome]
    code, out, _ = run(*base, "--place-of-service", "asc", "--contacts", "17")
    assert code == 0 and json.loads(out)["codes"][0]["coding"][0]["edit"] == "lead_limit_contacts"


def test_decide_reads_a_request_file_of_lines(tmp_path: Path):
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"place_of_service": "asc", "lines": [
        {"code": "63650", "use": "permanent", "contacts": 8}, {"code": "63650", "use": "permanent", "contacts": 8},
        {"code": 63685, "place_of_service": "office"}]}))
    code, out, _ = run("decide", "examples/fbss-strong-trial.json", "--request", str(request),
                       "--date", "2026-06-15", "--json")
    assert code == 0
    assert [(c["code"], c["outcome"]) for c in json.loads(out)["codes"]] == [
        ("63650", "approve"), ("63650", "approve"), ("63685", "deny")]


def test_a_bad_request_file_is_bad_input_with_its_json_path(tmp_path: Path):
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"lines": [{"code": "63650", "units": 0}]}))
    code, _, err = run("decide", "examples/fbss-strong-trial.json", "--request", str(request))
    assert code == 2 and "$.lines[0].units" in err


def test_validate_reports_rule_defined_twice():
    code, _, err = run("validate", "tests/policies/bad/rule-defined-twice.yaml")
    assert code == 2
    assert "rule-defined-twice.yaml:" in err and "rule defined twice: criterion lead_limit and edit " \
        "lead_limit_units state the same clause" in err


def test_the_fbss_example_approves_when_the_request_says_where():
    case = load_case("examples/fbss-strong-trial.json")
    d = decide(case, line("63650x2:permanent"), line("63685"), on=D(2026, 6, 15))
    assert [c.outcome.value for c in d] == ["approve", "approve"]


def test_an_edit_stage_can_be_overridden_in_the_policy(tmp_path: Path):
    """`stage: [claim]` keeps an edit off PA requests; check-claim still judges it."""
    pack = tmp_path / "claimonly.yaml"
    base = ENGINE.library.get("medicare").edits["permanent_implant_in_facility"]
    restated = base.model_dump(mode="json", by_alias=True, exclude_none=True) | {"stage": ["claim"]}
    adopts = json.dumps(list(ENGINE.library.get("medicare").sources))
    pack.write_text("kind: policy\nid: claimonly\ntitle: t\npayer: t\nversion: '1'\neffective_from: 2021-07-01\n"
                    f"extends: medicare\nadopts: {adopts}\nedits:\n  - " + json.dumps(restated) + "\n",
                    encoding="utf-8")
    engine = Engine(library=PolicyLibrary.from_paths([default_workflows_dir() / "medicare.yaml", pack]))
    case = trial_candidate().trial().case()
    asked = line("63650x2:permanent", "office")
    assert engine.decide(case, [asked], DOS, policy="claimonly").codes[0].coding == []
    claimed = check_claim(case, Claim(date_of_service=DOS, lines=[asked]), engine, policy="claimonly")
    assert "permanent_implant_in_facility" in [f.edit for f in claimed.lines[0].edits]


def test_an_authorization_edit_on_a_request_is_refused_when_the_policy_loads(tmp_path: Path):
    pack = tmp_path / "bad.yaml"
    base = ENGINE.library.get("medicare").edits["authorized_period"]
    restated = base.model_dump(mode="json", by_alias=True, exclude_none=True) | {"stage": ["request", "claim"]}
    pack.write_text("kind: policy\nid: bad\ntitle: t\npayer: t\nversion: '1'\neffective_from: 2021-07-01\n"
                    "extends: medicare\nedits:\n  - " + json.dumps(restated) + "\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="cannot be judged on a request"):
        PolicyLibrary.from_paths([default_workflows_dir() / "medicare.yaml", pack]).get("bad")
