"""The README's commands run and print what the README says they print."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from scs_workflow.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def console_blocks() -> list[list[str]]:
    return [block.strip("\n").splitlines() for block in re.findall(r"```console\n(.*?)```", README, re.S)]


def test_quick_start_decides_the_example():
    first = console_blocks()[0][0]
    args = shlex.split(first.split("scs-workflow", 1)[1])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "approve" in result.stdout


def test_every_documented_command_runs_with_the_documented_result():
    ran = 0
    for block in console_blocks():
        for i, line in enumerate(block):
            if not line.startswith("$ scs-workflow "):
                continue
            result = CliRunner().invoke(main, shlex.split(line[len("$ scs-workflow "):]))
            shown = []
            for follow in block[i + 1:]:
                if follow.startswith("$ "):
                    break
                shown.append(follow)
            if shown and shown[0].startswith("error:"):
                assert result.exit_code == 2, line
                for expected in shown:
                    assert expected.strip() in result.stderr, (line, expected)
            else:
                assert result.exit_code == 0, (line, result.stderr)
            ran += 1
    assert ran >= 6


def test_readme_figures_about_verified_criteria_hold(engine):
    medicare = engine.library.get("medicare")
    verified = sum(c.verified for c in medicare.criteria.values())
    assert f"{verified} of {len(medicare.criteria)} criteria" in README
