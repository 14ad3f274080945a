"""``scs-workflow check-claim``: exit 0 when checked, 2 on bad input; the examples and docs run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scs_workflow.cli import main

EXAMPLES = Path("examples/claims")
DOCS = Path("docs/claims.md").read_text(encoding="utf-8")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("case", "claim_file", "outcome"), [
    ("case-fbss-hopd.json", "permanent-implant-clean.json", "approve"),
    ("case-fbss-hopd.json", "implant-in-trial-global.json", "deny"),
    ("case-aetna-paddle.json", "paddle-not-authorized.json", "deny"),
    ("../programming-visit.json", "programming-too-soon.json", "deny"),  # the core example case
])
def test_the_example_claims_are_checked(case, claim_file, outcome):
    code, out, _ = run("check-claim", str(EXAMPLES / case), str(EXAMPLES / claim_file), "--json")
    assert code == 0 and json.loads(out)["outcome"] == outcome


def test_a_denied_claim_is_a_result_not_an_error():
    code, out, _ = run("check-claim", str(EXAMPLES / "case-fbss-hopd.json"),
                       str(EXAMPLES / "implant-in-trial-global.json"))
    assert code == 0 and "staged_implant_in_trial_global" in out and "add modifier 58" in out


def test_a_bad_claim_exits_2_with_its_json_path(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"date_of_service": "2026-04-01", "lines": [{"code": "63650", "units": 0}]}))
    code, _, err = run("check-claim", str(EXAMPLES / "case-fbss-hopd.json"), str(bad))
    assert code == 2 and "$.lines[0].units" in err


def test_an_unknown_code_exits_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"date_of_service": "2026-04-01", "place_of_service": "asc",
                               "lines": [{"code": "12345"}]}))
    code, _, err = run("check-claim", str(EXAMPLES / "case-fbss-hopd.json"), str(bad))
    assert code == 2 and "unknown code '12345'" in err


def test_a_missing_claim_file_exits_2():
    code, _, err = run("check-claim", str(EXAMPLES / "case-fbss-hopd.json"), "no/such/claim.json")
    assert code == 2 and "cannot read claim file" in err


def test_a_bad_case_exits_2(tmp_path):
    bad = tmp_path / "case.json"
    bad.write_text("{}")
    code, _, _ = run("check-claim", str(bad), str(EXAMPLES / "permanent-implant-clean.json"))
    assert code == 2


def _doc_blocks() -> list[tuple[list[str], str]]:
    """Each ```console block of docs/claims.md: the command's arguments and its output."""
    blocks = re.findall(r"```console\n\$ scs-workflow (.+?)\n(.*?)```", DOCS, re.S)
    return [(cmd.split(), out) for cmd, out in blocks]


@pytest.mark.parametrize("n", range(3))
def test_the_docs_show_what_the_cli_prints(n):
    args, shown = _doc_blocks()[n]
    code, out, _ = run(*args)
    assert code == 0
    if "--json" in args:  # an excerpt: its lines appear in the output, in order
        at = 0
        for want in (ln for ln in shown.splitlines() if ln.strip() not in ("", "...")):
            at = out.index(want, at) + len(want)
    else:
        assert out == shown


def test_the_python_example_of_the_docs_runs(capsys):
    for block in re.findall(r"```python\n(.*?)```", DOCS, re.S):
        exec(compile(block, "docs/claims.md", "exec"), {})
    assert "99214 deny ['em_on_surgery_day']" in capsys.readouterr().out


def test_the_docstring_examples_run():
    import doctest

    import scs_workflow.claims.claim

    result = doctest.testmod(scs_workflow.claims.claim)
    assert result.attempted > 0 and result.failed == 0
