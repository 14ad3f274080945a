"""Decide many cases at once: JSON Lines in, JSON Lines out, on every core.

``scs-workflow batch cases.jsonl --code 63650 --date 2026-06-15 --out decisions.jsonl``

The main process only cuts the input into chunks of lines (by byte offset: the cases
are not sent between processes) and writes the results in input order; each worker
process builds its own :class:`~scs_workflow.engine.decision.Engine` once, reads its chunk,
validates each line with ``Case.model_validate_json`` and decides it. The output is one
line per non-blank input line, in input order, so it is byte-identical whatever the
number of workers.

Exit status: 0 when every line was decided; 2 when at least one line was bad (not JSON,
not a valid case, a policy that does not exist): that line's output is an error record
``{"line": N, "error": "..."}`` (N is the 1-based input line) and the batch goes on;
1 when the engine failed on a valid case (an internal error, recorded the same way).
Error records name JSON paths and pydantic's messages, never the values of the case.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import click
from pydantic import ValidationError

from ..engine.decision import Decision, Engine
from ..model.case import Case, problems_from
from ..model.errors import CaseError, ScsWorkflowError
from ..model.inputs import Limits, check_case_size, parse_json
from ..model.service import ServiceLine
from ..policy import PolicyLibrary
from ..policy.criteria import Status
from .common import ServiceDate, Settings, line_options, parse_code
from .outputs import atomic_output, plain

DEFAULT_CHUNK = 2000
_FAILING = (Status.NOT_MET, Status.INSUFFICIENT)


@dataclass(frozen=True)
class BatchConfig:
    """What every worker needs to decide a line; picklable."""

    lines: tuple[ServiceLine, ...]
    date_of_service: dt.date
    policy: str | None = None
    compact: bool = False
    workflows: Path | None = None


@dataclass
class BatchResult:
    cases: int = 0
    bad_lines: int = 0
    internal_errors: int = 0
    seconds: float = 0.0
    first_errors: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.internal_errors else (2 if self.bad_lines else 0)


@dataclass(frozen=True)
class _Chunk:
    first_line: int  # 1-based number of the chunk's first line
    offset: int
    size: int


@dataclass
class _Done:
    data: bytes
    cases: int
    bad: int
    internal: int
    errors: list[str]


# --- one line ----------------------------------------------------------------------------


def compact_record(d: Decision) -> dict[str, Any]:
    """The short form: per code its outcome and the ids of the criteria that failed or lack evidence, then of
    the coding edits that fired."""
    return {
        "case_id": d.case_id, "policy": f"{d.policy_id}@{d.policy_version}", "state": d.pathway_state,
        "codes": [{"code": c.code, "outcome": c.outcome.value,
                   "failing": [r.id for r in c.criteria if r.status in _FAILING] + [f.edit for f in c.coding]}
                  for c in d.codes],
    }


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _error(line_no: int, message: str) -> bytes:
    return _dumps({"line": line_no, "error": message}).encode()


class _Decider:
    """One process's engine and settings; turns a chunk of input lines into output lines."""

    def __init__(self, config: BatchConfig) -> None:
        library = PolicyLibrary.from_dir(config.workflows) if config.workflows else None
        self.engine = Engine(library=library)
        self.config = config
        self.lines = list(config.lines)
        self.limits = Limits.from_env()
        for line in self.lines:
            self.engine.catalog.lookup(line.code)
        if config.policy is not None:  # --policy applies to every line: a bad one is refused once, up front
            self.engine.library.get(config.policy, on=config.date_of_service)

    def chunk(self, first_line: int, raw: bytes) -> _Done:
        out: list[bytes] = []
        done = _Done(b"", 0, 0, 0, [])
        texts = raw.split(b"\n")
        if texts and not texts[-1]:
            texts.pop()
        for n, text in enumerate(texts, start=first_line):
            if not text.strip():
                continue
            done.cases += 1
            data, problem, internal = self.one(text)
            if problem is None:
                out.append(data)
                continue
            out.append(_error(n, problem))
            if internal:
                done.internal += 1
            else:
                done.bad += 1
            if len(done.errors) < 10:
                done.errors.append(f"line {n}: {problem}")
        out.append(b"")
        done.data = b"\n".join(out)
        return done

    def one(self, text: bytes) -> tuple[bytes, str | None, bool]:
        """(output line, None, False), or (b"", what was wrong, whether it was the engine's fault)."""
        cfg = self.config
        try:
            if len(text) > self.limits.max_bytes:
                parse_json(text, "case", limits=self.limits)  # refuses it, naming the limit
            case = Case.model_validate_json(text)
            if len(case.events) > self.limits.max_events:
                check_case_size({"events": case.events}, "case", limits=self.limits)
        except ValidationError as err:
            try:  # the one JSON reader names what is wrong below the schema: not UTF-8, not JSON, too deep
                parse_json(text, "case", limits=self.limits)
            except CaseError as bad:
                return b"", _one_line(bad), False
            return b"", "invalid case: " + "; ".join(str(p) for p in problems_from(err)[:5]), False
        except CaseError as bad:
            return b"", _one_line(bad), False
        try:
            if cfg.compact:  # the same judgement without building the explanation
                res = self.engine.outcomes(case, self.lines, cfg.date_of_service, policy=cfg.policy)
                return _dumps({
                    "case_id": case.case_id, "policy": res.policy, "state": res.state,
                    "codes": [{"code": c, "outcome": o.value, "failing": f} for c, o, f in res.codes],
                }).encode(), None, False
            decision = self.engine.decide(case, self.lines, cfg.date_of_service, policy=cfg.policy)
        except ScsWorkflowError as err:  # e.g. the case names a policy that does not exist
            return b"", f"{err.code}: {err}".splitlines()[0], False
        except Exception as err:  # an engine bug must not sink a million-case batch
            return b"", f"internal error: {type(err).__name__}", True
        return decision.model_dump_json().encode(), None, False


def _one_line(err: CaseError) -> str:
    return "; ".join([err.summary.removeprefix("case: ")] + [str(p).removeprefix("line 1 ") for p in err.problems])


_WORKER: tuple[_Decider, str] | None = None


def _init_worker(config: BatchConfig, source: str) -> None:
    global _WORKER
    _WORKER = (_Decider(config), source)
    gc.collect()
    gc.freeze()  # the engine and policies live for the whole run: keep them out of every collection


def _run_chunk(chunk: _Chunk) -> _Done:
    assert _WORKER is not None, "worker not initialised"
    decider, source = _WORKER
    with open(source, "rb") as f:
        f.seek(chunk.offset)
        raw = f.read(chunk.size)
    return decider.chunk(chunk.first_line, raw)


def chunks(source: Path, size: int = DEFAULT_CHUNK) -> Iterator[_Chunk]:
    """Cut *source* into runs of *size* lines, as byte ranges (the main process never parses a case)."""
    with open(source, "rb") as f:
        first, offset, count, start = 1, 0, 0, 0
        for line in f:
            offset += len(line)
            count += 1
            if count == size:
                yield _Chunk(first, start, offset - start)
                first, start, count = first + size, offset, 0
        if count:
            yield _Chunk(first, start, offset - start)


# --- the run -------------------------------------------------------------------------------


class _Progress:
    """A rich progress bar on stderr, by bytes of input (the case count is not known up front)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self._bar: Any = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("deciding"), BarColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[cases]:>11,} cases  {task.fields[rate]:>8,.0f}/s"),
            TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True), transient=False,
        )
        self._task = self._bar.add_task("deciding", total=max(total, 1), cases=0, rate=0.0)
        self._t0 = time.perf_counter()

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def advance(self, nbytes: int, cases: int) -> None:
        if self._bar is not None:
            rate = cases / max(time.perf_counter() - self._t0, 1e-9)
            self._bar.update(self._task, advance=nbytes, cases=cases, rate=rate)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def run_batch(
    source: Path, out: IO[bytes], config: BatchConfig, *, workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK, progress: bool = False,
) -> BatchResult:
    """Decide every case of the JSONL file *source* into *out*, in input order."""
    workers = max(1, workers or os.cpu_count() or 1)
    result = BatchResult()
    t0 = time.perf_counter()
    total = source.stat().st_size

    def take(done: _Done, chunk: _Chunk, bar: _Progress) -> None:
        out.write(done.data)
        result.cases += done.cases
        result.bad_lines += done.bad
        result.internal_errors += done.internal
        result.first_errors.extend(done.errors[: max(0, 10 - len(result.first_errors))])
        bar.advance(chunk.size, result.cases)

    if workers == 1:
        _init_worker(config, str(source))
        try:
            with _Progress(total, progress) as bar:
                for chunk in chunks(source, chunk_size):
                    take(_run_chunk(chunk), chunk, bar)
        finally:
            gc.unfreeze()
    else:
        _Decider(config)  # fail fast (unknown code, bad policy directory) before starting workers
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(config, str(source))) as pool:
            pending: deque[tuple[Future[_Done], _Chunk]] = deque()
            todo = chunks(source, chunk_size)
            first = next(todo, None)
            if first is not None:  # with fork, the workers start here: before the progress thread
                pending.append((pool.submit(_run_chunk, first), first))
            with _Progress(total, progress) as bar:
                for chunk in todo:
                    pending.append((pool.submit(_run_chunk, chunk), chunk))
                    if len(pending) >= 4 * workers:
                        fut, done_chunk = pending.popleft()
                        take(fut.result(), done_chunk, bar)
                while pending:
                    fut, done_chunk = pending.popleft()
                    take(fut.result(), done_chunk, bar)
    result.seconds = time.perf_counter() - t0
    return result


def decide_lines(lines: Sequence[str], config: BatchConfig) -> list[str]:
    """Decide JSONL *lines* in this process (tests and small jobs); one output line per non-blank line."""
    done = _Decider(config).chunk(1, "\n".join(lines).encode())
    return done.data.decode().splitlines()


# --- the command -------------------------------------------------------------------------


MAX_WORKERS = 128  # more would only fork the machine out of memory


@click.command("batch")
@click.argument("cases_file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--code", "codes", multiple=True, required=True,
              help="CODE[xUNITS][:USE], e.g. 63650x2:permanent; repeatable.")
@line_options
@click.option("--date", "date_", type=ServiceDate(), help="Date of service (default: today, UTC).")
@click.option("--policy", help="Policy id (or ID@VERSION) for every case instead of each case's own.")
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Where to write one decision per line (JSONL), in input order.")
@click.option("--workers", type=click.IntRange(min=1, max=MAX_WORKERS), default=None,
              help=f"Worker processes (default: CPU count; at most {MAX_WORKERS}).")
@click.option("--compact", is_flag=True, help="Write code, outcome, state and failing criteria and edits only.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=DEFAULT_CHUNK, show_default=True,
              help="Lines per task sent to a worker.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@click.pass_context
def batch_command(ctx: click.Context, cases_file: Path, codes: tuple[str, ...], place_of_service: str | None,
                  contacts: int | None, region: str | None, waveform: str | None, date_: dt.date | None,
                  policy: str | None, out_path: Path, workers: int | None, compact: bool, chunk_size: int,
                  progress: bool) -> None:
    """Decide CODEs for every case in CASES_FILE (JSON Lines, one case per line).

    A bad line does not stop the batch: its output line is {"line": N, "error": ...}
    and the exit status is 2 (1 if the engine itself failed on a case).
    """

    settings = ctx.find_object(Settings)
    day = date_ or dt.datetime.now(dt.UTC).date()
    lines = tuple(parse_code(c, waveform, place_of_service=place_of_service, contacts=contacts, region=region)
                  for c in codes)
    config = BatchConfig(lines, day, policy, compact,
                         settings.workflows if settings else None)
    with atomic_output(out_path, "wb") as out:  # a failed run leaves the old file (or none)
        result = run_batch(cases_file, out, config, workers=workers, chunk_size=chunk_size, progress=progress)
    rate = result.cases / result.seconds if result.seconds else 0.0
    click.echo(f"{result.cases:,} cases in {result.seconds:.1f} s ({rate:,.0f}/s): {result.bad_lines:,} bad lines, "
               f"{result.internal_errors:,} internal errors -> {plain(out_path)}", err=True)
    for line in result.first_errors:
        click.echo(f"  {plain(line)}", err=True)
    ctx.exit(result.exit_code)
