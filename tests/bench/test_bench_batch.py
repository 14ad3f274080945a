"""The batch command: the same decisions as deciding case by case, in order, whatever the workers."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scs_workflow import Case, Engine
from scs_workflow.cli import main
from scs_workflow.cli.batch import BatchConfig, compact_record, decide_lines, run_batch
from scs_workflow.model.service import ServiceLine
from scs_workflow.testing.synthetic import DEFAULT_AS_OF, generate

CODES = (ServiceLine(code="63650"), ServiceLine(code="63685"))


@pytest.fixture(scope="module")
def cases_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("batch") / "cases.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in generate(60, seed=9)), encoding="utf-8")
    return path


def run(path: Path, *, workers: int, compact: bool = False) -> bytes:
    out = io.BytesIO()
    result = run_batch(path, out, BatchConfig(CODES, DEFAULT_AS_OF, compact=compact), workers=workers, chunk_size=7)
    assert result.exit_code == 0 and result.cases == 60
    return out.getvalue()


def test_batch_output_is_each_case_decided_on_its_own(cases_file: Path, engine: Engine) -> None:
    expected = [engine.decide(Case.model_validate_json(line), CODES, DEFAULT_AS_OF).model_dump_json()
                for line in cases_file.read_text(encoding="utf-8").splitlines()]
    assert run(cases_file, workers=1).decode().splitlines() == expected


def test_compact_output_is_the_short_form_of_each_decision(cases_file: Path, engine: Engine) -> None:
    expected = [compact_record(engine.decide(Case.model_validate_json(line), CODES, DEFAULT_AS_OF))
                for line in cases_file.read_text(encoding="utf-8").splitlines()]
    assert [json.loads(x) for x in run(cases_file, workers=1, compact=True).decode().splitlines()] == expected


def test_one_and_two_workers_write_the_same_bytes(cases_file: Path) -> None:
    assert run(cases_file, workers=2) == run(cases_file, workers=1)
    assert run(cases_file, workers=2, compact=True) == run(cases_file, workers=1, compact=True)


def test_a_bad_line_gets_an_error_record_and_the_rest_is_decided(tmp_path: Path) -> None:
    good = [json.dumps(c) for c in generate(3, seed=9)]
    broken = json.loads(good[1])
    broken["events"][0]["date"] = "not a date"
    src = tmp_path / "cases.jsonl"
    src.write_text("\n".join([good[0], "{not json", json.dumps(broken), "", good[2]]) + "\n", encoding="utf-8")
    out = tmp_path / "decisions.jsonl"
    result = CliRunner().invoke(main, ["batch", str(src), "--code", "63650", "--date", "2026-06-15",
                                       "--out", str(out), "--workers", "2", "--compact", "--no-progress"])
    assert result.exit_code == 2, result.output
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4  # the blank line 4 is skipped
    assert records[0]["case_id"] == "SYN-9-0000000" and records[3]["case_id"] == "SYN-9-0000002"
    assert records[1]["line"] == 2 and records[1]["error"].startswith("not JSON; column 2: ")  # the one JSON reader
    assert records[2]["line"] == 3 and "$.events[0].date" in records[2]["error"]
    assert "not a date" not in out.read_text(encoding="utf-8")  # error records never echo case values


def test_a_clean_batch_exits_zero(cases_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.jsonl"
    result = CliRunner().invoke(main, ["batch", str(cases_file), "--code", "95972", "--date", "2026-06-15",
                                       "--out", str(out), "--workers", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 60


def test_an_unknown_code_stops_before_any_work(cases_file: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["batch", str(cases_file), "--code", "99999", "--out", str(tmp_path / "d"),
                                       "--no-progress"])
    assert result.exit_code == 2
    assert "unknown code" in result.output


def test_decide_lines_decides_in_this_process() -> None:
    lines = [json.dumps(c) for c in generate(2, seed=9)]
    out = decide_lines(lines, BatchConfig(CODES, DEFAULT_AS_OF, compact=True))
    assert [json.loads(x)["case_id"] for x in out] == ["SYN-9-0000000", "SYN-9-0000001"]


def test_a_case_under_an_unknown_policy_is_a_bad_line(tmp_path: Path) -> None:
    case = next(generate(1, seed=9))
    case["policy"] = "no-such-payer"
    src = tmp_path / "cases.jsonl"
    src.write_text(json.dumps(case) + "\n", encoding="utf-8")
    out = io.BytesIO()
    result = run_batch(src, out, BatchConfig(CODES, DEFAULT_AS_OF), workers=1)
    assert (result.exit_code, result.bad_lines) == (2, 1)
    assert json.loads(out.getvalue())["error"].startswith("policy_not_found")


def test_an_engine_failure_is_recorded_and_exits_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     cases_file: Path) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Engine, "decide", broken)
    out = io.BytesIO()
    result = run_batch(cases_file, out, BatchConfig(CODES, DEFAULT_AS_OF), workers=1)
    assert (result.exit_code, result.internal_errors, result.bad_lines) == (1, 60, 0)
    assert json.loads(out.getvalue().splitlines()[0]) == {"line": 1, "error": "internal error: RuntimeError"}
