"""The case-store quick start (docs/store.md) runs, on both backends, and prints what it says it prints."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from scs_workflow.cli import main

from .conftest import ROOT

DOC = (ROOT / "docs" / "store.md").read_text()


def quick_start() -> list[str]:
    blocks = re.findall(r"```shell\n(.*?)```", DOC, re.S)
    return next(b for b in blocks if "$ scs-workflow" in b).strip("\n").splitlines()


def test_the_quick_start_runs_as_documented(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCS_DATABASE_URL", db_url)
    monkeypatch.setenv("SCS_ACTOR", "ana")
    monkeypatch.setenv("SCS_ROLE", "intake")
    monkeypatch.chdir(tmp_path)
    lines = quick_start()
    ran = 0
    for i, line in enumerate(lines):
        if not line.startswith("$ ") or line.startswith("$ export "):
            continue
        command, stdin = line[2:], None
        piped = re.match(r"echo '(.*)' \| (.*)$", command)
        if piped:
            stdin, command = piped.group(1), piped.group(2)
        args = [a.replace("examples/", f"{ROOT}/examples/") for a in shlex.split(command)[1:]]
        result = CliRunner().invoke(main, args, input=stdin)
        shown = []
        for follow in lines[i + 1:]:
            if follow.startswith("$ "):
                break
            shown.append(follow.strip())
        if shown and shown[0].startswith("error:"):
            assert result.exit_code != 0, line
            for expected in shown:
                assert expected in result.stderr, (line, expected, result.stderr)
        else:
            assert result.exit_code == 0, (line, result.stderr)
            for expected in shown:
                assert expected in result.stdout, (line, expected, result.stdout)
        ran += 1
    assert ran >= 14
