"""The command line: decisions as a table or JSON, exit 0 when decided, 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from scs_workflow.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_decide_prints_a_table_with_reasons_and_citations():
    code, out, _ = run("decide", "examples/failed-trial.json", "--code", "63650x2:permanent", "--date", "2026-04-01")
    assert code == 0
    assert "pathway state: trial_failed" in out and "deny" in out
    assert "trial_relief" in out and "checklists" in out and "to unlock:" in out


def test_decide_json_is_the_decision_model():
    code, out, _ = run("decide", "examples/fbss-strong-trial.json", "--code", "63650x2:permanent", "--code", "63685",
                       "--date", "2026-06-15", "--place-of-service", "asc", "--json")
    assert code == 0
    data = json.loads(out)
    assert [c["outcome"] for c in data["codes"]] == ["approve", "approve"]
    assert data["policy_id"] == "medicare" and data["policy_version"] == "2026.1"


def test_policy_option_decides_under_another_pack():
    _, out, _ = run("decide", "examples/split-decision.json", "--code", "63650:permanent", "--date", "2026-05-01",
                    "--policy", "aetna", "--json")
    assert json.loads(out)["codes"][0]["outcome"] == "deny"


def test_unknown_code_is_bad_input_with_exit_2():
    code, out, err = run("decide", "examples/fbss-strong-trial.json", "--code", "99213", "--date", "2026-06-15")
    assert code == 2 and "unknown code '99213'" in err and out == ""


def test_unknown_use_is_bad_input():
    code, _, err = run("decide", "examples/fbss-strong-trial.json", "--code", "63650:implant", "--date", "2026-06-15")
    assert code == 2 and "uses: trial, repeat_trial, permanent" in err


def test_invalid_case_names_the_json_path_on_stderr():
    code, _, err = run("decide", "tests/cases/negative-pain.json", "--code", "63650", "--date", "2026-06-15")
    assert code == 2 and "$.events[1].score" in err


def test_missing_case_file_is_bad_input():
    code, _, err = run("decide", "nope.json", "--code", "63650")
    assert code == 2 and "cannot read case file" in err


def test_validate_reports_a_good_policy():
    code, out, _ = run("validate", "workflows/aetna.yaml")
    assert code == 0 and "ok: aetna@2026.1 (aetna@2026.1 <- medicare@2026.1)" in out


def test_validate_names_file_line_and_field_of_a_bad_policy():
    code, _, err = run("validate", "tests/policies/bad/wrong-type.yaml")
    assert code == 2 and "wrong-type.yaml:15" in err and "criteria[0].test.ge" in err


def test_policies_lists_every_pack():
    code, out, _ = run("policies")
    assert code == 0 and all(p in out for p in ("medicare", "aetna", "cigna"))


def test_schema_is_json_schema():
    code, out, _ = run("schema")
    assert code == 0 and json.loads(out)["title"] == "Case"


def test_the_console_script_is_installed():
    done = subprocess.run([sys.executable, "-m", "scs_workflow", "--version"], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert done.returncode == 0 and "scs-workflow" in done.stdout
