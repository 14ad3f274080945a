"""The commands of the README and of docs/*.md run and print what the docs say they print."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from scs_workflow.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = sorted((ROOT / "docs").glob("*.md"))
ALL_DOCS = "\n".join([README, *(p.read_text() for p in DOCS)])


def console_blocks(text: str = ALL_DOCS) -> list[list[str]]:
    return [block.strip("\n").splitlines() for block in re.findall(r"```console\n(.*?)```", text, re.S)]


def test_quick_start_decides_the_example():
    first = console_blocks(README)[0][0]
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
    assert f"{verified} of {len(medicare.criteria)} criteria" in ALL_DOCS


def test_every_relative_link_of_the_docs_resolves():
    """The front page links the reference in docs/; no link (README or docs/) points to a missing file."""
    for page in [ROOT / "README.md", *DOCS]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), (page.name, target)
    linked = set(re.findall(r"\]\(docs/([\w.-]+\.md)", README))
    assert linked == {p.name for p in DOCS}
