"""Hostile input (issue 9): every bad file gets one clear error, a documented exit code, nothing half-written.

Each row of the issue's table is fed through the commands that read it: most through click's
CliRunner (fast), a representative set as real subprocesses (``python -m scs_workflow``).
Every refusal is checked the same way (:func:`refused`): the exit status, an ``error: FILE: ...``
first line naming the file, the place (JSON path, ``line L column C`` or ``FILE:LINE``), no
traceback, and no new or changed file in the output folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scs_workflow import Engine, RequestError, parse_case
from scs_workflow.cli import exit_code_for, main
from scs_workflow.model.errors import ScsWorkflowError
from scs_workflow.model.windows import months_between

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
CASE = ROOT / "examples" / "clbp-to-trial.json"
CLAIM_CASE = ROOT / "examples" / "claims" / "case-fbss-hopd.json"
CLAIM = ROOT / "examples" / "claims" / "implant-in-trial-global.json"


# --- how a refusal looks --------------------------------------------------------------------------


def cli(*args: str, env: dict[str, str] | None = None, stdin: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, input=stdin)


def refused(res: Result | subprocess.CompletedProcess[str], status: int, *names: str) -> str:
    """Assert a clean refusal: *status*, one ``error:`` line naming every one of *names*, no traceback."""
    code = res.exit_code if isinstance(res, Result) else res.returncode
    out, err = res.stdout, res.stderr
    assert code == status, (code, out, err)
    assert "Traceback" not in out + err
    if isinstance(res, Result):
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    lines = err.strip().splitlines()
    assert lines and lines[0].startswith("error: "), err
    assert len(lines) == 1, err  # one line: the file, what is wrong, and where
    for name in names:
        assert name in err, (name, err)
    return err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def out_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder with an old output file; each test ends by checking nothing in it changed."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "old.jsonl").write_text("old content\n")
    before = snapshot(folder)
    yield folder
    assert snapshot(folder) == before, "a failed run left a new or changed file"


def case_dict(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CASE.read_text())
    data.update(changes)
    return data


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


DEEP = "[" * 5000 + "]" * 5000


# --- not UTF-8 ------------------------------------------------------------------------------------


def test_case_file_not_utf8_is_refused_with_line_and_column(tmp_path: Path, out_dir: Path) -> None:
    bad = write(tmp_path / "latin1.json", b'{\n  "case_id": "caf\xe9"\n}\n')
    refused(cli("decide", str(bad), "--code", "63650"), 2, str(bad), "not UTF-8", "line 2 column 18")
    refused(cli("check-claim", str(bad), str(CLAIM)), 2, str(bad), "line 2 column 18")
    refused(cli("check-claim", str(CLAIM_CASE), str(bad)), 2, str(bad), "line 2 column 18")


def test_policy_file_not_utf8_is_refused_at_its_line(tmp_path: Path) -> None:
    text = (WORKFLOWS / "aetna.yaml").read_bytes().replace(b"title: Aetna", b"title: A\xe9tna")
    bad = write(tmp_path / "aetna.yaml", text)
    line = text[: text.index(b"\xe9")].count(b"\n") + 1
    refused(cli("validate", str(bad)), 2, f"{bad}:{line}", "not UTF-8")


def test_store_inputs_not_utf8_are_refused(tmp_path: Path, store_env: dict[str, str]) -> None:
    bad = write(tmp_path / "latin1.jsonl", b'{"kind": "case", "case_id": "caf\xe9"}\n')
    refused(cli("import", str(bad), env=store_env), 2, f"{bad}:1", "not UTF-8", "column 33")
    refused(cli("case", "new", "--file", str(bad), env=store_env), 2, str(bad), "not UTF-8")
    refused(cli("case", "add", "c-1", "-", env=store_env, stdin=b"\xff"), 2, "<stdin>", "not UTF-8")


# --- deeply nested JSON and YAML ------------------------------------------------------------------


def test_deep_json_case_is_refused_not_a_recursion_error(tmp_path: Path) -> None:
    bad = write(tmp_path / "deep.json", DEEP)
    refused(cli("decide", str(bad), "--code", "63650"), 2, str(bad), "nested too deeply", "line 1 column 65")
    refused(cli("check-claim", str(CLAIM_CASE), str(bad)), 2, str(bad), "nested too deeply")


def test_deep_json_inside_a_case_names_its_json_path(tmp_path: Path) -> None:
    nested: Any = "x"
    for _ in range(70):
        nested = [nested]
    data = case_dict()
    data["events"][0]["note"] = nested
    bad = write(tmp_path / "deep-note.json", json.dumps(data))
    refused(cli("decide", str(bad), "--code", "63650"), 2, str(bad), "$.events[0].note[0]", "SCS_MAX_JSON_DEPTH")


def test_deep_json_in_store_inputs_is_refused(tmp_path: Path, store_env: dict[str, str]) -> None:
    bad = write(tmp_path / "deep.json", DEEP)
    refused(cli("case", "new", "--file", str(bad), env=store_env), 2, str(bad), "nested too deeply")
    refused(cli("import", str(bad), env=store_env), 2, f"{bad}:1", "nested too deeply")
    refused(cli("case", "add", "c-1", "-", env=store_env, stdin=DEEP), 2, "<stdin>", "nested too deeply")


def test_deep_yaml_policy_is_refused_at_its_line(tmp_path: Path) -> None:
    text = (WORKFLOWS / "aetna.yaml").read_text().replace("parameters:\n", "parameters:\n  deep: " + DEEP + "\n", 1)
    bad = write(tmp_path / "aetna.yaml", text)
    line = text.splitlines().index("  deep: " + DEEP) + 1  # the line that holds the value
    refused(cli("validate", str(bad)), 2, f"{bad}:{line}", "nested more than 64 levels")


def test_batch_lines_that_are_garbage_get_error_records_and_exit_2(tmp_path: Path) -> None:
    good = json.dumps(case_dict())
    src = write(tmp_path / "cases.jsonl", b"\xff\n" + DEEP.encode() + b"\n{\n" + good.encode() + b"\n")
    out = tmp_path / "decisions.jsonl"
    res = cli("batch", str(src), "--code", "63650", "--date", "2026-02-10", "--out", str(out), "--workers", "1",
              "--no-progress")
    assert res.exit_code == 2 and "Traceback" not in res.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records[0] == {"line": 1, "error": "not UTF-8; column 1: byte 0xff is not UTF-8"}
    assert records[1]["line"] == 2 and records[1]["error"].startswith("nested too deeply")
    assert records[2]["line"] == 3 and records[2]["error"].startswith("not JSON")
    assert records[3]["case_id"] == "ex-clbp-001"


# --- YAML: control characters, impossible dates, duplicate keys, ranges, alias bombs ----------------


def _pack(tmp_path: Path, old: str, new: str, name: str = "aetna.yaml") -> tuple[Path, int]:
    text = (WORKFLOWS / name).read_text()
    assert old in text
    text = text.replace(old, new, 1)
    path = write(tmp_path / name, text)
    return path, text[: text.index(new)].count("\n") + 1


def test_control_character_in_yaml_is_refused_at_its_line(tmp_path: Path) -> None:
    bad, line = _pack(tmp_path, "payer: Aetna", "payer: Ae\x01tna")
    refused(cli("validate", str(bad)), 2, f"{bad}:{line}", "U+0001")


def test_impossible_yaml_date_is_refused_at_its_line(tmp_path: Path) -> None:
    bad, line = _pack(tmp_path, "effective_from: 2024-01-01", "effective_from: 2024-02-30")
    refused(cli("validate", str(bad)), 2, f"{bad}:{line}", "'2024-02-30' is not a real date")


def test_duplicate_yaml_keys_are_refused_naming_both_lines(tmp_path: Path) -> None:
    bad, line = _pack(tmp_path, "  odi_min: 21 ", "  odi_min: 21\n  odi_min: 30 ")
    refused(cli("validate", str(bad)), 2, f"{bad}:{line + 1}", f"duplicate key 'odi_min' (first at line {line})")


@pytest.mark.parametrize(("old", "new", "what"), [
    ("  trial_relief_pct: 50 ", "  trial_relief_pct: -20 ", "must be a per cent from 0 to 100, not -20"),
    ("  trial_relief_pct: 50 ", "  trial_relief_pct: 101 ", "must be a per cent from 0 to 100, not 101"),
    ("  odi_min: 21 ", "  odi_min: true ", "not True"),
    ("  trial_min_days: 3 ", "  trial_min_days: -1 ", "must be a number >= 0"),
    ("  neuropathic_pain_min: 5 ", "  neuropathic_pain_min: 11 ", "a pain score from 0 to 10"),
    ("  psych_evaluators: [", "  psych_evaluators: [[nested], ", "must be a list of strings"),
    ("  odi_min: 21 ", '  global_days: {"63650": -1}\n  odi_min: 21 ', "63650: must be a number >= 0, not -1"),
])
def test_policy_parameter_out_of_range_is_refused_at_the_value(tmp_path: Path, old: str, new: str, what: str) -> None:
    bad, line = _pack(tmp_path, old, new)
    refused(cli("validate", str(bad)), 2, f"{bad}:{line}", what)


def test_trial_relief_pct_0_and_100_are_accepted_and_minus_1_and_101_refused(tmp_path: Path) -> None:
    for value, status in (("0", 0), ("100", 0), ("-1", 2), ("100.5", 2)):
        pack, _ = _pack(tmp_path, "  trial_relief_pct: 50 ", f"  trial_relief_pct: {value} ")
        res = cli("validate", str(pack))
        assert res.exit_code == status, res.output
        assert res.stdout.startswith("ok: aetna") if status == 0 else "a per cent from 0 to 100" in res.stderr


def test_type_error_in_an_overriding_pack_is_reported_at_the_packs_line(tmp_path: Path) -> None:
    wf = tmp_path / "wf"
    wf.mkdir()
    for f in WORKFLOWS.glob("*.yaml"):
        write(wf / f.name, f.read_text())
    # a parameter the baseline declares (range table) and one it does not (shape of the baseline's value)
    base = (wf / "medicare.yaml").read_text().replace("  max_leads: 2\n", "  max_leads: 2\n  site_rule: 3\n", 1)
    write(wf / "medicare.yaml", base)
    pack, line = _pack(wf, "  odi_min: 21 ", "  max_leads: \"2\"\n  odi_min: 21 ")
    refused(cli("--workflows", str(wf), "validate", str(pack)), 2, f"{pack}:{line}", "parameters.max_leads")
    pack, line = _pack(wf, "  odi_min: 21 ", "  site_rule: [a, b]\n  odi_min: 21 ")
    err = refused(cli("--workflows", str(wf), "validate", str(pack)), 2, f"{pack}:{line}", "parameters.site_rule")
    assert "medicare.yaml" not in err


BOMB = "".join(
    ["  lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    + [f"  lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 9)]
)


def test_alias_bomb_in_a_parameter_is_refused_quickly(tmp_path: Path) -> None:
    wf = tmp_path / "wf"
    wf.mkdir()
    for f in WORKFLOWS.glob("*.yaml"):
        write(wf / f.name, f.read_text())
    bad, line = _pack(wf, "parameters:\n", "parameters:\n" + BOMB)
    t0 = time.perf_counter()
    refused(cli("validate", str(bad)), 2, f"{bad}:{line + 9}", "alias *a7 expands to")  # the line of lol8
    refused(cli("--workflows", str(wf), "decide", str(CASE), "--code", "63650"), 2, str(bad), "alias")
    assert time.perf_counter() - t0 < 30
    shipped = cli("policies")  # the shipped packs' anchors and aliases (gate lists, global days) still load
    assert shipped.exit_code == 0 and all(p in shipped.stdout for p in ("medicare", "aetna", "cigna"))


def test_policy_whose_kind_line_comes_late_is_found(tmp_path: Path) -> None:
    wf = tmp_path / "wf"
    wf.mkdir()
    for f in WORKFLOWS.glob("*.yaml"):
        write(wf / f.name, f.read_text())
    text = (wf / "aetna.yaml").read_text().replace("kind: policy\n", "", 1)
    write(wf / "aetna.yaml", "# " + "x" * 5000 + "\n" + text + "\nkind: policy\n")
    res = cli("--workflows", str(wf), "policies")
    assert res.exit_code == 0 and "aetna" in res.stdout, res.output


def test_broken_yaml_in_the_policy_folder_is_an_error_not_skipped(tmp_path: Path) -> None:
    wf = tmp_path / "wf"
    wf.mkdir()
    for f in WORKFLOWS.glob("*.yaml"):
        write(wf / f.name, f.read_text())
    write(wf / "extra.yaml", b"kind: policy\nid: \xff\n")
    refused(cli("--workflows", str(wf), "policies"), 2, f"{wf / 'extra.yaml'}:2", "not UTF-8")


# --- dates of service -----------------------------------------------------------------------------


def _ongoing(tmp_path: Path) -> Path:
    data = case_dict()
    data["events"].append({"id": "cc-ongoing", "type": "conservative_therapy", "date": "2025-11-01",
                           "kind": "medication", "start": "2025-11-01", "outcome": "ongoing"})
    return write(tmp_path / "ongoing.json", json.dumps(data))


@pytest.mark.parametrize("day", ["9999-12-31", "2101-01-01", "1899-12-31"])
def test_date_of_service_outside_the_range_is_refused(tmp_path: Path, day: str, out_dir: Path) -> None:
    case = _ongoing(tmp_path)
    edge = cli("decide", str(case), "--code", "63650", "--date", "2100-12-31", "--json")  # the last day is fine
    assert edge.exit_code == 0, edge.output
    res = cli("decide", str(case), "--code", "63650", "--date", day)
    assert res.exit_code == 2 and "--date" in res.stderr and "1900-01-01 .. 2100-12-31" in res.stderr
    assert "Traceback" not in res.output
    src = write(tmp_path / "cases.jsonl", case.read_text().replace("\n", " ") + "\n")
    res = cli("batch", str(src), "--code", "63650", "--date", day, "--out", str(out_dir / "d.jsonl"))
    assert res.exit_code == 2 and "--date" in res.stderr


def test_store_times_outside_the_range_are_refused(store_env: dict[str, str]) -> None:
    assert cli("case", "new", "--file", str(CASE), env=store_env).exit_code == 0
    for args in (["request", "new", "ex-clbp-001", "--code", "63650", "--received-at", "9999-12-31T10:00"],
                 ["request", "new", "ex-clbp-001", "--code", "63650", "--date-of-service", "9999-12-31"],
                 ["worklist", "--now", "9999-12-31T23:00"]):
        res = cli(*args, env=store_env)
        assert res.exit_code == 2 and "2100-12-31" in res.stderr and "Traceback" not in res.output, res.output


def test_library_refuses_an_out_of_range_date_and_facts_survive_the_last_date(engine: Engine) -> None:
    case = parse_case(case_dict())
    with pytest.raises(RequestError, match=r"outside 1900-01-01 \.\. 2100-12-31"):
        engine.decide(case, ["63650"], dt.date(9999, 12, 31))
    assert months_between(dt.date(9999, 1, 1), dt.date.max) == 11  # 12 would end in year 10000
    assert months_between(dt.date(9998, 12, 31), dt.date.max) == 12
    assert months_between(dt.date(2, 1, 1), dt.date.max) == 9998 * 12 - 1


# --- output files: missing folder, a folder, a full device, a failure half-way ------------------------


def test_outputs_into_a_missing_folder_are_refused_and_write_nothing(tmp_path: Path, out_dir: Path,
                                                                    store_env: dict[str, str]) -> None:
    src = write(tmp_path / "cases.jsonl", json.dumps(case_dict()) + "\n")
    target = out_dir / "missing" / "x.out"
    for args in (["diagram", "medicare", "--out", str(target)],
                 ["synth", "2", "--out", str(target)],
                 ["batch", str(src), "--code", "63650", "--date", "2026-02-10", "--out", str(target)],
                 ["export", "--out", str(target)]):
        refused(cli(*args, env=store_env), 1, str(target), "does not exist")
    for args in (["diagram", "medicare", "--out", str(out_dir)], ["synth", "2", "--out", str(out_dir)],
                 ["export", "--out", str(out_dir)]):
        res = cli(*args, env=store_env)
        assert res.exit_code in (1, 2) and "Traceback" not in res.output
        assert "directory" in res.stderr or "folder" in res.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_device_is_a_clear_error() -> None:
    refused(cli("diagram", "medicare", "--out", "/dev/full"), 1, "/dev/full", "No space left on device")
    refused(cli("synth", "2", "--out", "/dev/full"), 1, "/dev/full")


def test_a_run_that_fails_half_way_leaves_the_old_file(tmp_path: Path, out_dir: Path,
                                                       store_env: dict[str, str]) -> None:
    old = out_dir / "old.jsonl"
    src = write(tmp_path / "cases.jsonl", json.dumps(case_dict()) + "\n")
    refused(cli("batch", str(src), "--code", "99999", "--out", str(old), env=store_env), 2, "99999")
    assert cli("case", "new", "--file", str(CASE), env=store_env).exit_code == 0
    refused(cli("export", "--case", "ex-clbp-001", "--case", "nope", "--out", str(old), env=store_env), 1, "nope")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    target = write(fresh / "medicare.mmd", "old\n")  # and a run that succeeds replaces the file whole
    assert cli("diagram", "medicare", "--out", str(target)).exit_code == 0
    assert target.read_text() == (ROOT / "diagrams" / "medicare.mmd").read_text()
    assert [p.name for p in fresh.iterdir()] == ["medicare.mmd"]  # no temporary file left


# --- ids with rich markup, ANSI escapes and bidi overrides --------------------------------------------


HOSTILE_IDS = ["x[/bold]", "to[/]1", "red\x1b[31mALERT\x1b[0m", "inv\u202eexe.pdf", "nul\x00l"]


def test_markup_and_control_characters_in_a_case_are_shown_escaped(tmp_path: Path) -> None:
    data = case_dict(case_id="x[/bold]to[/]1\x1b[2J\u202e")
    data["events"][0]["id"] = "to[/]1"
    data["events"].append({"id": "late[/]\x1b[31m", "type": "pain_score", "date": "2027-01-01", "score": 5})
    case = write(tmp_path / "hostile-ids.json", json.dumps(data))
    res = cli("decide", str(case), "--code", "63650", "--date", "2026-02-10")
    assert res.exit_code == 0 and res.exception is None, res.output
    assert "case x[/bold]to[/]1\\u001b[2J\\u202e" in res.stdout
    assert "late[/]\\u001b[31m" in res.stdout
    assert "\x1b" not in res.stdout and "\u202e" not in res.stdout
    as_json = cli("decide", str(case), "--code", "63650", "--date", "2026-02-10", "--json")
    assert "\u202e" not in as_json.stdout and json.loads(as_json.stdout)["case_id"] == data["case_id"]


def test_one_hostile_case_id_does_not_break_case_list(store_env: dict[str, str]) -> None:
    from scs_workflow.cli.outputs import plain

    for n, case_id in enumerate(HOSTILE_IDS[:4]):
        made = cli("case", "new", case_id, "--patient-ref", f"SYN-{n}", "--policy", "medicare", env=store_env)
        assert made.exit_code == 0, made.output
        assert "\x1b" not in made.stdout and "\u202e" not in made.stdout
    res = cli("case", "list", env=store_env)
    assert res.exit_code == 0, res.output
    for case_id in HOSTILE_IDS[:4]:
        assert plain(case_id) in res.stdout
    assert "\x1b" not in res.stdout and "\u202e" not in res.stdout
    shown = cli("case", "show", "x[/bold]", env=store_env)
    assert shown.exit_code == 0 and "case x[/bold]" in shown.stdout


@given(st.text(max_size=30))
def test_any_text_prints_as_itself_without_controls(text: str) -> None:
    from scs_workflow.cli.outputs import markup, plain

    shown = plain(text)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    from rich.console import Console
    from rich.text import Text

    console = Console(width=400, record=True, color_system=None, highlight=False)
    console.print(f"[dim]{markup(text)}[/dim]", end="", soft_wrap=True)
    assert Text.from_markup(f"[bold]{markup(text)}[/]").plain == shown
    assert console.export_text() == shown  # no markup error, nothing lost


# --- case limits ----------------------------------------------------------------------------------


def test_limits_refuse_a_large_case_and_are_overridable(tmp_path: Path, store_env: dict[str, str]) -> None:
    case = write(tmp_path / "case.json", json.dumps(case_dict()))
    refused(cli("decide", str(case), "--code", "63650", env={"SCS_MAX_EVENTS": "3"}), 2, str(case),
            "$.events", "SCS_MAX_EVENTS")
    refused(cli("decide", str(case), "--code", "63650", env={"SCS_MAX_JSON_BYTES": "100"}), 2, str(case),
            "too large", "SCS_MAX_JSON_BYTES")
    refused(cli("case", "new", "--file", str(case), env={**store_env, "SCS_MAX_EVENTS": "3"}), 2, "$.events")
    events = len(case_dict()["events"])
    ok = cli("decide", str(case), "--code", "63650", "--date", "2026-02-10",
             env={"SCS_MAX_EVENTS": str(events)})
    assert ok.exit_code == 0, ok.output
    refused(cli("decide", str(case), "--code", "63650", env={"SCS_MAX_JSON_DEPTH": "two"}), 2,
            "SCS_MAX_JSON_DEPTH")


# --- garbage: random bytes and random JSON through every reader -----------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_random_bytes_are_refused_cleanly_everywhere(tmp_path: Path, blob: bytes) -> None:
    bad = write(tmp_path / "garbage.json", blob)
    for args in (["decide", str(bad), "--code", "63650"], ["check-claim", str(CLAIM_CASE), str(bad)]):
        res = cli(*args)
        assert res.exit_code == 2, res.output
        assert res.exception is None or isinstance(res.exception, SystemExit)
        assert res.stderr.startswith(f"error: {bad}") and "Traceback" not in res.output
    yml = write(tmp_path / "garbage.yaml", blob)
    res = cli("validate", str(yml))
    assert res.exit_code == 2 and res.stderr.startswith(f"error: {yml}"), res.output


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_json_or_one_located_case_error(blob: bytes) -> None:
    from scs_workflow.model.errors import CaseError
    from scs_workflow.model.inputs import parse_json

    try:
        parse_json(blob, "cases.jsonl:7")
    except CaseError as err:
        assert err.summary.startswith("cases.jsonl:7: ") and len(err.problems) == 1


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


@settings(max_examples=40, deadline=None)
@given(_JSON)
def test_random_json_is_a_value_or_a_located_error(value: Any) -> None:
    from scs_workflow.model.inputs import parse_json

    text = json.dumps(value)
    if _has_nul(value):  # a NUL in text is refused (PostgreSQL cannot store it): a located error
        with pytest.raises(ScsWorkflowError, match="NUL"):
            parse_json(text.encode(), "x.json")
        return
    assert parse_json(text.encode(), "x.json") == value
    try:
        parse_case(value)
    except ScsWorkflowError as err:
        assert exit_code_for(err) == 2 and str(err).startswith("case: ")


def test_every_row_as_a_subprocess(tmp_path: Path) -> None:
    """A representative set through the real console entry point, started together."""
    wf = tmp_path / "wf"
    wf.mkdir()
    for f in WORKFLOWS.glob("*.yaml"):
        write(wf / f.name, f.read_text())
    bomb, _ = _pack(wf, "parameters:\n", "parameters:\n" + BOMB)
    latin = write(tmp_path / "latin1.json", b'{"case_id": "caf\xe9"}')
    deep = write(tmp_path / "deep.json", DEEP)
    ids = write(tmp_path / "ids.json", json.dumps(case_dict(case_id="x[/bold]\x1b[31m\u202e")))
    ongoing = _ongoing(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    runs: list[tuple[list[str], int, list[str]]] = [
        (["decide", str(latin), "--code", "63650"], 2, [str(latin), "not UTF-8", "line 1 column 17"]),
        (["decide", str(deep), "--code", "63650"], 2, [str(deep), "nested too deeply"]),
        (["validate", str(bomb)], 2, [str(bomb), "alias *a7"]),
        (["decide", str(ongoing), "--code", "63650", "--date", "9999-12-31"], 2, ["--date", "2100-12-31"]),
        (["diagram", "medicare", "--out", str(out / "no" / "m.mmd")], 1, ["does not exist"]),
        (["decide", str(ids), "--code", "63650", "--date", "2026-02-10"], 0, []),
    ]
    env = {**os.environ, "COLUMNS": "120"}
    procs = [subprocess.Popen([sys.executable, "-m", "scs_workflow", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) for args, _, _ in runs]
    for proc, (args, status, names) in zip(procs, runs, strict=True):
        stdout, stderr = proc.communicate(timeout=300)
        done = subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)
        if status == 0:
            assert done.returncode == 0 and "Traceback" not in stderr, stderr
            assert "x[/bold]\\u001b[31m\\u202e" in stdout and "\x1b" not in stdout
        elif names[0] == "--date":
            assert done.returncode == 2 and all(n in stderr for n in names) and "Traceback" not in stderr
        else:
            refused(done, status, *names)
    assert list(out.iterdir()) == []


# --- exit statuses: one table in docs/cli.md, every command held to it --------------------------------


def _readme_exit_table() -> dict[int, str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Exit status", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| (\d) \| .*? \| (.*?) \|$", section, re.M)
    return {int(code): commands for code, commands in rows}


def _leaves(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _leaves(command, prefix + (name,))
        else:
            yield prefix + (name,)


def test_every_command_has_its_documented_exit_codes() -> None:
    table = _readme_exit_table()
    assert set(table) == {0, 1, 2, 3}
    commands = list(_leaves(main))
    assert len(commands) >= 20
    for status in (0, 1, 2):
        assert table[status] == "every command"
    named = re.findall(r"`([^`]+)`", table[3])
    assert named and all(tuple(n.split()) in commands for n in named)
    for command in commands:
        helped = cli(*command, "--help")
        assert helped.exit_code == 0, command
        bad = cli(*command, "--no-such-option")
        assert bad.exit_code == 2 and "Traceback" not in bad.output, command


def _all_errors() -> Iterator[type[ScsWorkflowError]]:
    import scs_workflow.store.errors
    import scs_workflow.store.transfer

    assert scs_workflow.store.transfer.ImportStopped.code == "import_stopped"

    todo: list[type[ScsWorkflowError]] = [ScsWorkflowError]
    while todo:
        cls = todo.pop()
        yield cls
        todo.extend(cls.__subclasses__())


def test_every_error_class_maps_to_its_documented_status() -> None:
    input_errors = {"policy_invalid", "policy_not_found", "case_invalid", "claim_invalid", "unknown_code",
                    "request_invalid", "claim_only_code"}
    documented = set(_readme_exit_table())
    for cls in _all_errors():
        err = cls.__new__(cls)
        expected = 2 if cls.code in input_errors else 3 if cls.code == "version_conflict" else 1
        assert exit_code_for(err) == expected, cls
        assert expected in documented


# --- the store for the tests above: a SQLite file per test ----------------------------------------------


@pytest.fixture
def store_env(tmp_path: Path) -> dict[str, str]:
    return {"SCS_DATABASE_URL": str(tmp_path / "store.db"), "SCS_ACTOR": "ana", "SCS_ROLE": "intake"}
