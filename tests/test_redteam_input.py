"""Red-team probes of issue 9 from the outside: inputs the first round did not try.

Each test runs the command as a subprocess (``python -m scs_workflow``) and asserts a clean
refusal: the exit status of the README's table, one ``error:`` line naming the file and the place,
no traceback, and nothing written (the store unchanged, no output file).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scs_workflow import CaseError, parse_case
from scs_workflow.model.inputs import parse_json

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "examples" / "failed-trial.json"


def scs(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCS_ACTOR": "redteam", "SCS_DATABASE_URL": f"sqlite:///{cwd / 'store.db'}"}
    return subprocess.run([sys.executable, "-m", "scs_workflow", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, input=None if stdin is None else stdin.decode())


def refused(res: subprocess.CompletedProcess[str], status: int, *names: str) -> str:
    assert res.returncode == status, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def case_text() -> str:
    return json.dumps(json.loads(CASE.read_text()), indent=1)


def stored_cases(cwd: Path) -> str:
    res = scs("case", "list", cwd=cwd)
    assert res.returncode == 0, res.stderr
    return res.stdout


# --- duplicate keys in JSON: refused like YAML's, at the line of the second one ---------------------


def test_duplicate_json_key_in_a_case_file_is_refused_at_its_line(tmp_path: Path) -> None:
    text = case_text().replace('"policy": "medicare"', '"policy": "aetna",\n "policy": "medicare"')
    (tmp_path / "dup.json").write_text(text)
    err = refused(scs("decide", "dup.json", "--code", "63650x2:permanent", "--date", "2026-04-01", cwd=tmp_path),
                  2, "dup.json", "line 5 column 2", "'policy'", "twice")
    assert "not JSON" in err


def test_duplicate_json_key_in_an_event_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    assert scs("case", "new", "--file", str(CASE), "--role", "intake", cwd=tmp_path).returncode == 0
    before = scs("case", "show", "ex-failtrial-001", "--json", cwd=tmp_path).stdout
    event = '{"id": "pain-x", "type": "pain_score", "date": "2025-11-01", "score": 2, "score": 9}'
    (tmp_path / "ev.json").write_text(event)
    refused(scs("case", "add", "ex-failtrial-001", "ev.json", "--role", "nurse", cwd=tmp_path),
            2, "ev.json", "line 1 column 74", "'score'")
    assert scs("case", "show", "ex-failtrial-001", "--json", cwd=tmp_path).stdout == before


def test_duplicate_json_key_library_reader_raises_case_error() -> None:
    with pytest.raises(CaseError) as err:
        parse_json(b'{"a": {"b": 1},\n "c": {"b": 2, "b": 3}}', "x.json")
    assert err.value.problems[0].where == "line 2 column 16"
    assert parse_json(b'{"a": {"b": 1}, "c": {"b": 2}}', "x.json") == {"a": {"b": 1}, "c": {"b": 2}}
    with pytest.raises(CaseError):
        parse_case(json.loads(case_text()) | {"events": "x"})


def test_an_integer_of_5000_digits_is_named_at_its_line_not_with_python_advice(tmp_path: Path) -> None:
    (tmp_path / "big.json").write_text(case_text().replace('"weeks": 12', '"weeks": 1' + "0" * 5000))
    err = refused(scs("decide", "big.json", "--code", "63650", "--date", "2026-04-01", cwd=tmp_path),
                  2, "big.json", "line 19 column 13", "more than 4300 digits")
    assert "sys.set_int_max_str_digits" not in err


# --- nothing half-written in the store --------------------------------------------------------------


def test_case_new_from_a_file_with_a_bad_event_writes_no_case(tmp_path: Path) -> None:
    (tmp_path / "late.json").write_text(case_text().replace('"date": "2025-06-30"', '"date": "9999-12-31"'))
    res = scs("case", "new", "--file", "late.json", "--role", "intake", cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert res.stderr.startswith("error: late.json: invalid case") and "$.events[0].date" in res.stderr
    assert "ex-failtrial-001" not in stored_cases(tmp_path)  # before: the case was created at version 0


@pytest.mark.parametrize("garbage", [b"garbage", b"[1]", b'{"kind": "case", "case_id": "x", "case_id": "y"}',
                                     b'{"kind": "event", "case_id": "imp-1", "event": 7}',
                                     b'{"kind": "event", "case_id": "imp-1", "event": {}, "recorded_at": "noon"}'])
def test_import_with_a_garbage_line_writes_nothing(tmp_path: Path, garbage: bytes) -> None:
    assert scs("case", "new", "--file", str(CASE), "--role", "intake", cwd=tmp_path).returncode == 0
    (tmp_path / "out.jsonl").write_text("")
    assert scs("export", "--out", "out.jsonl", cwd=tmp_path).returncode == 0
    lines = (tmp_path / "out.jsonl").read_bytes().replace(b"ex-failtrial-001", b"imp-1").splitlines()
    (tmp_path / "half.jsonl").write_bytes(b"\n".join(lines[:3] + [garbage] + lines[3:]) + b"\n")
    before = stored_cases(tmp_path)
    res = scs("import", "half.jsonl", "--role", "intake", "--no-progress", cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert res.stderr.startswith("error: half.jsonl:4: "), res.stderr
    assert stored_cases(tmp_path) == before  # before: imp-1 was created at version 0


# --- the same one-line shape for every reader ---------------------------------------------------------


def test_request_file_not_utf8_is_one_line(tmp_path: Path) -> None:
    assert scs("case", "new", "--file", str(CASE), "--role", "intake", cwd=tmp_path).returncode == 0
    (tmp_path / "req.json").write_bytes(b'{"lines": [\xff]}')
    refused(scs("request", "new", "ex-failtrial-001", "--request", "req.json", "--role", "intake", cwd=tmp_path),
            2, "req.json", "not UTF-8", "line 1 column 12")
    refused(scs("decide", str(CASE), "--request", "req.json", cwd=tmp_path), 2, "req.json", "line 1 column 12")


# --- policy YAML ------------------------------------------------------------------------------------


def policy_dir(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "wf"
    folder.mkdir()
    for f in (ROOT / "workflows").glob("*.yaml"):
        (folder / f.name).write_text(f.read_text())
    aetna = folder / "aetna.yaml"
    text = aetna.read_text()
    assert old in text
    aetna.write_text(text.replace(old, new, 1))
    return folder


def test_policy_integer_of_5000_digits_is_named_at_its_line(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, "odi_min: 21", "odi_min: 1" + "0" * 5000)
    for args in (["validate", str(folder / "aetna.yaml")], ["--workflows", str(folder), "policies"],
                 ["--workflows", str(folder), "decide", str(CASE), "--code", "63650", "--policy", "aetna"]):
        refused(scs(*args, cwd=tmp_path), 2, "aetna.yaml:23", "more than 4300 digits")


def test_policy_misspelt_parameter_in_an_overriding_pack_is_refused_at_its_line(tmp_path: Path) -> None:
    # trial_relief_pcct: 60 was silently ignored, and the baseline's 50 % ruled Aetna's trials
    folder = policy_dir(tmp_path, "trial_relief_pct: 50", "trial_relief_pcct: 60")
    refused(scs("validate", str(folder / "aetna.yaml"), cwd=tmp_path), 2, "aetna.yaml:28", "trial_relief_pcct",
            "misspelt")
    refused(scs("--workflows", str(folder), "decide", str(CASE), "--code", "63650", "--policy", "aetna", cwd=tmp_path),
            2, "aetna.yaml:28")


def test_policy_override_and_new_used_parameter_still_load(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, "trial_relief_pct: 50", "trial_relief_pct: 60")
    assert scs("validate", str(folder / "aetna.yaml"), cwd=tmp_path).returncode == 0


# --- the library API: a wrong argument is one of the documented errors, never a bare TypeError -------


def test_library_wrong_argument_types_raise_documented_errors() -> None:
    import datetime as dt

    from scs_workflow import (
        ClaimError,
        Engine,
        PolicyError,
        PolicyLibrary,
        PolicyNotFound,
        RequestError,
        check_claim,
        load_case,
        load_claim,
    )

    case = load_case(CASE)
    engine = Engine()
    day = dt.date(2026, 4, 1)
    with pytest.raises(RequestError, match="not NoneType"):
        engine.decide(case, ["63650"], None)  # type: ignore[arg-type]
    with pytest.raises(RequestError, match="not str"):
        engine.decide(case, ["63650"], "2026-04-01")  # type: ignore[arg-type]
    with pytest.raises(RequestError, match="not datetime"):
        engine.decide(case, ["63650"], dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    with pytest.raises(RequestError, match="list of codes"):
        engine.decide(case, None, day)  # type: ignore[arg-type]
    with pytest.raises(RequestError, match="list of codes"):
        engine.outcomes(case, "63650", day)
    with pytest.raises(CaseError, match="not dict"):
        engine.decide(json.loads(CASE.read_text()), ["63650"], day)  # type: ignore[arg-type]
    with pytest.raises(RequestError, match="policy id"):
        engine.decide(case, ["63650"], day, policy=5)  # type: ignore[arg-type]
    with pytest.raises(CaseError):
        load_case(None)  # type: ignore[arg-type]
    with pytest.raises(ClaimError):
        load_claim(None)  # type: ignore[arg-type]
    with pytest.raises(ClaimError, match="not str"):
        check_claim(case, "claim.json")  # type: ignore[arg-type]
    with pytest.raises(CaseError, match="not NoneType"):
        check_claim(None, load_claim(ROOT / "examples" / "claims" / "implant-in-trial-global.json"))  # type: ignore[arg-type]
    with pytest.raises(PolicyError, match="not a policy directory"):
        PolicyLibrary.from_dir(Path("/nonexistent-folder"))
    library = PolicyLibrary.from_dir(str(ROOT / "workflows"))  # type: ignore[arg-type]
    with pytest.raises(PolicyNotFound):
        library.get(None)  # type: ignore[arg-type]
    with pytest.raises(PolicyNotFound, match="not str"):
        library.get("medicare", on="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(PolicyError, match="PolicyLibrary"):
        Engine(ROOT / "workflows")  # type: ignore[arg-type]
    assert engine.decide(case, ["63650x2:permanent"], day).codes  # the right types still decide


def test_synth_refuses_an_absurd_count_before_writing(tmp_path: Path) -> None:
    # before: N = 10**23 ran until killed, leaving a temporary file of hundreds of MB beside --out
    res = scs("synth", str(10**23), "--out", "s.jsonl", cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert "10000000" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_nul_character_in_json_text_is_bad_input_on_every_store(tmp_path: Path) -> None:
    # before: SQLite stored it (exit 0) and PostgreSQL refused it as a database failure (exit 1)
    (tmp_path / "nul.json").write_text(case_text().replace('"SYN-1004"', '"SYN-\\u0000"'))
    refused(scs("case", "new", "--file", "nul.json", "--role", "intake", cwd=tmp_path), 2, "nul.json",
            "line 3 column 22", "NUL")
    assert "ex-failtrial-001" not in stored_cases(tmp_path)
    refused(scs("decide", "nul.json", "--code", "63650", cwd=tmp_path), 2, "nul.json", "NUL")
    assert parse_json(b'{"path": "C:\\\\u0000"}', "x.json") == {"path": "C:\\u0000"}  # an escaped backslash


# --- batch: an option that applies to every line is refused once, before any output ------------------


def test_batch_bad_policy_option_is_refused_once_and_writes_nothing(tmp_path: Path) -> None:
    # before: every line got a policy_not_found error record, and the output file was written
    (tmp_path / "cases.jsonl").write_text(json.dumps(json.loads(CASE.read_text())) + "\n")
    for workers in ("1", "2"):
        refused(scs("batch", "cases.jsonl", "--code", "63650", "--policy", "nope", "--out", "out.jsonl",
                    "--workers", workers, "--no-progress", cwd=tmp_path), 2, "no policy 'nope'")
        assert not (tmp_path / "out.jsonl").exists()


def test_batch_refuses_a_worker_count_that_would_fork_the_machine_out(tmp_path: Path) -> None:
    # before: --workers 100000 started forking until killed
    (tmp_path / "cases.jsonl").write_text(json.dumps(json.loads(CASE.read_text())) + "\n")
    res = scs("batch", "cases.jsonl", "--code", "63650", "--out", "out.jsonl", "--workers", "100000",
              "--no-progress", cwd=tmp_path)
    assert res.returncode == 2 and "1<=x<=128" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_store_refuses_a_100k_character_patient_ref_or_actor(tmp_path: Path) -> None:
    # before: both were stored, and printed whole by `case show`
    long = "a" * 100_000
    refused(scs("case", "new", "c1", "--patient-ref", long, "--policy", "medicare", "--role", "intake", cwd=tmp_path),
            2, "$.patient_ref", "1-128 characters")
    refused(scs("case", "new", "c1", "--patient-ref", "SYN-1", "--policy", "medicare", "--role", "intake",
                "--actor", long, cwd=tmp_path), 2, "--actor", "1-128 characters")
    assert "c1" not in stored_cases(tmp_path)
