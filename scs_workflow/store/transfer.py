"""Import and export of cases as JSON Lines: one JSON object per line, a case line before its events.

::

    {"kind": "case", "case_id": "c-1", "patient_ref": "SYN-0001", "policy": "medicare",
     "diagnoses": [{"code": "M96.1"}], "created_at": "...", "actor": "ana", "role": "intake", "source": "cli"}
    {"kind": "event", "case_id": "c-1", "event": {"id": "pain-1", "type": "pain_score", ...},
     "recorded_at": "...", "actor": "ana", "role": "nurse", "source": "cli", "seq": 1, "hash": "..."}

On import ``created_at`` / ``recorded_at``, ``actor``, ``role`` and ``source`` are optional
(default: now, ``--actor`` / ``--role``, ``import:FILE``); ``seq`` and ``hash`` are checked when
the event lands at that seq, so an export imported into an empty store reproduces its chain
exactly. Events are committed in batches of consecutive lines of one case, each batch in
one transaction: a killed import leaves whole batches only, and running it again skips
what is stored (event ids are idempotency keys) and completes the rest. Every line's form (JSON,
``kind``, ``case_id``, an ``event`` object, times) is checked before anything is written: a file
with a garbage line is refused whole.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..model.errors import CaseError, Problem, ScsWorkflowError, StoreError
from ..model.inputs import Limits, check_case_size, parse_json
from .api import CaseStore
from .cases import Actor, Incoming
from .chain import instant

__all__ = ["ImportStopped", "ImportSummary", "export_jsonl", "import_jsonl"]


class ImportStopped(StoreError):
    """An import stopped at a line; what came before it is stored, and a re-run resumes."""

    code = "import_stopped"


@dataclass
class ImportSummary:
    lines: int = 0
    cases_created: int = 0
    cases_existing: int = 0
    events_created: int = 0
    events_existing: int = 0
    batches: int = 0


@dataclass
class _Batch:
    case_id: str
    lines: list[int] = field(default_factory=list)
    items: list[Incoming] = field(default_factory=list)
    claims: list[tuple[int | None, str | None]] = field(default_factory=list)


def import_jsonl(store: CaseStore, path: Path, *, by: Actor, batch_size: int = 100,
                 progress: bool = False) -> ImportSummary:
    """Import *path* (see the module docstring); idempotent and resumable."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if batch_size < 1:
        raise ImportStopped("the batch size must be at least 1")
    source = by.source if by.source != "api" else f"import:{path.name}"
    total = _check_form(path)  # every line is read once before anything is written
    summary = ImportSummary()
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task("import", total=total)
        batch: _Batch | None = None
        for n, line in _lines(path):
            summary.lines = n
            kind = line.get("kind")
            if kind == "event":
                case_id = _text(line, "case_id", path, n)
                if batch is not None and (batch.case_id != case_id or len(batch.items) >= batch_size):
                    _flush(store, batch, summary, path)
                    bar.advance(task, len(batch.lines))
                    batch = None
                batch = batch or _Batch(case_id)
                event = line.get("event")
                if not isinstance(event, dict):
                    problem = Problem("$.event", "an event object is required")
                    raise CaseError(f"{path}:{n}: invalid event line", [problem])
                who = Actor(str(line.get("actor") or by.name), str(line.get("role") or by.role),
                            str(line.get("source") or source))
                batch.lines.append(n)
                batch.items.append(Incoming(event, who, _when(line.get("recorded_at"), path, n)))
                seq, digest = line.get("seq"), line.get("hash")
                batch.claims.append((seq if isinstance(seq, int) else None,
                                     digest if isinstance(digest, str) else None))
                continue
            if batch is not None:
                _flush(store, batch, summary, path)
                bar.advance(task, len(batch.lines))
                batch = None
            if kind != "case":
                raise CaseError(f"{path}:{n}: unknown line", [Problem("$.kind", "must be 'case' or 'event'")])
            _case_line(store, line, by, source, summary, path, n)
            bar.advance(task, 1)
        if batch is not None:
            _flush(store, batch, summary, path)
            bar.advance(task, len(batch.lines))
    return summary


def _case_line(store: CaseStore, line: dict[str, Any], by: Actor, source: str, summary: ImportSummary,
               path: Path, n: int) -> None:
    case_id = _text(line, "case_id", path, n)
    existed = store.find(case_id, refresh=False) is not None
    who = Actor(str(line.get("actor") or by.name), str(line.get("role") or by.role), str(line.get("source") or source))
    try:
        store.create_case(case_id, patient_ref=str(line.get("patient_ref", "")), policy=str(line.get("policy", "")),
                          diagnoses=line.get("diagnoses") or [], by=who,
                          created_at=_when(line.get("created_at"), path, n))
    except CaseError as err:
        raise CaseError(f"{path}:{n}: {err.summary}", err.problems) from None
    except StoreError as err:
        raise ImportStopped(f"{path}:{n}: {err}") from err
    if existed:
        summary.cases_existing += 1
    else:
        summary.cases_created += 1


def _flush(store: CaseStore, batch: _Batch, summary: ImportSummary, path: Path) -> None:
    """Append one batch in one transaction, checking any seq/hash the lines claim."""
    first = batch.lines[0]
    try:
        with store.db.write() as conn:
            results = store.append_in(conn, batch.case_id, batch.items)
            for n, res, (seq, digest) in zip(batch.lines, results, batch.claims, strict=True):
                if res.created and digest and seq == res.record.seq and digest != res.record.hash:
                    raise ImportStopped(f"{path}:{n}: event {res.record.event_id!r} lands at seq {seq} but its hash "
                                        "differs from the exported one: the line was changed after export")
    except CaseError as err:
        line = _line_of(batch, err) or first
        raise CaseError(f"{path}:{line}: {err.summary}", err.problems) from None
    except ImportStopped:
        raise
    except ScsWorkflowError as err:
        raise ImportStopped(f"{path}:{first}: {err}") from err
    summary.batches += 1
    summary.events_created += sum(1 for r in results if r.created)
    summary.events_existing += sum(1 for r in results if not r.created)


def _line_of(batch: _Batch, err: CaseError) -> int | None:
    for n, item in zip(batch.lines, batch.items, strict=True):
        if f"event {item.event.get('id')!r}" in err.summary:
            return n
    return None


def export_jsonl(store: CaseStore, out: IO[str], case_ids: list[str] | None = None) -> int:
    """Write the cases (default: all) with their events; returns the number of lines."""
    count = 0
    heads = [store.get(c, refresh=False) for c in case_ids] if case_ids else store.list_cases(refresh=False)
    for head in heads:
        out.write(json.dumps({
            "kind": "case", "case_id": head.case_id, "patient_ref": head.patient_ref, "policy": head.policy,
            "diagnoses": head.diagnoses, "created_at": instant(head.created_at), "actor": head.created_by,
            "role": head.created_role, "source": head.created_source}, sort_keys=True) + "\n")
        count += 1
        for ev in store.events(head.case_id):
            out.write(json.dumps({
                "kind": "event", "case_id": ev.case_id, "seq": ev.seq, "event": ev.payload,
                "recorded_at": instant(ev.recorded_at), "actor": ev.actor, "role": ev.role, "source": ev.source,
                "hash": ev.hash}, sort_keys=True) + "\n")
            count += 1
    return count


def _check_form(path: Path) -> int:
    """The number of lines, once each is known to be a case or event line (JSON, kinds, ids, times).

    A file with a garbage line, a duplicate key or a bad time is refused before anything is written."""
    count = 0
    for n, line in _lines(path):
        count += 1
        kind = line.get("kind")
        if kind not in ("case", "event"):
            raise CaseError(f"{path}:{n}: unknown line", [Problem("$.kind", "must be 'case' or 'event'")])
        _text(line, "case_id", path, n)
        if kind == "event":
            if not isinstance(line.get("event"), dict):
                raise CaseError(f"{path}:{n}: invalid event line", [Problem("$.event", "an event object is required")])
            _when(line.get("recorded_at"), path, n)
        else:
            _when(line.get("created_at"), path, n)
    return count


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    limits = Limits.from_env()
    n = 0
    try:
        with path.open("rb") as fh:
            for n, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                data = parse_json(raw, f"{path}:{n}", limits=limits)
                if not isinstance(data, dict):
                    raise CaseError(f"{path}:{n}: not a JSON object", [Problem("$", "each line is one JSON object")])
                if data.get("kind") == "case":
                    check_case_size(data, f"{path}:{n}", limits=limits)
                yield n, data
    except OSError as err:
        raise CaseError(f"{path}: cannot read: {err.strerror}") from None


def _text(line: dict[str, Any], key: str, path: Path, n: int) -> str:
    value = line.get(key)
    if not isinstance(value, str) or not value:
        raise CaseError(f"{path}:{n}: invalid line", [Problem(f"$.{key}", "required text")])
    return value


def _when(value: Any, path: Path, n: int) -> dt.datetime | None:
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise CaseError(f"{path}:{n}: invalid time", [Problem("$", f"not an ISO-8601 instant: {value!r}")]) from None
    if when.tzinfo is None:
        raise CaseError(f"{path}:{n}: invalid time", [Problem("$", f"{value!r} has no timezone")])
    return when
