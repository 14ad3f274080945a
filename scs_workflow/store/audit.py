"""``audit verify``: prove that no recorded fact or decision was changed afterwards.

For every case it recomputes the chain from the header's hash through seq 1..n and reports
the first break, naming the seq and the event id:

* a row whose content no longer matches its hash was **edited**;
* a missing seq means an event was **deleted**; a seq out of place, **reordered**;
* a row that does not chain to the one before was reordered or re-linked;
* a case row whose ``version`` / ``head_hash`` do not match the log lost its **tail**.

Requests are checked the same way, and each ``auth_requests`` row must equal its log
folded. A rewrite of the *whole* chain, tail and head included, cannot be seen from inside
the database: keep the head hashes that ``audit verify --json`` prints somewhere else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..model.errors import NotFound, ScsWorkflowError
from . import chain
from .cases import CaseRecord, as_case, case_record, event_record_from
from .requests import FOLDED, LogEntry, fold
from .schema import auth_requests, case_events, cases, request_log

if TYPE_CHECKING:
    from .api import CaseStore


@dataclass(frozen=True)
class Finding:
    seq: int | None
    item_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "header"
        return f"{where}{f' ({self.item_id})' if self.item_id else ''}: {self.message}"


@dataclass(frozen=True)
class AuditReport:
    kind: Literal["case", "request"]
    id: str
    records: int
    head_hash: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "ok": self.ok, "records": self.records, "head_hash": self.head_hash,
                "findings": [{"seq": f.seq, "id": f.item_id, "message": f.message} for f in self.findings]}


def verify(store: CaseStore, case_ids: Iterable[str] | None = None) -> list[AuditReport]:
    """Check the cases named (default: all) and their requests; one report per case and request."""
    reports: list[AuditReport] = []
    with store.db.read() as conn:
        ids = list(case_ids) if case_ids is not None else list(conn.execute(
            select(cases.c.case_id).order_by(cases.c.case_id)).scalars())
        for case_id in ids:
            reports.append(_verify_case(store, conn, case_id))
            rids = conn.execute(select(auth_requests.c.request_id).where(auth_requests.c.case_id == case_id)
                                .order_by(auth_requests.c.request_id)).scalars()
            reports.extend(_verify_request(conn, rid) for rid in rids)
    return reports


def _verify_case(store: CaseStore, conn: Connection, case_id: str) -> AuditReport:
    head = conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
    if head is None:
        raise NotFound(f"no case {case_id!r} in the store")
    h = head._mapping
    running = chain.header_hash(case_id=case_id, patient_ref=h["patient_ref"], policy=h["policy"],
                                diagnoses=json.loads(h["diagnoses"]), created_at=h["created_at"],
                                created_by=h["created_by"], created_role=h["created_role"],
                                created_source=h["created_source"])
    rows = conn.execute(select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.seq)).all()
    found = _walk(running, [(r.seq, r.event_id, r.prev_hash, r.hash, lambda n, r=r: _event_hash(r, n)) for r in rows],
                  "event", "case header (patient_ref, policy, diagnoses or created_*) was edited")
    findings = [found] if isinstance(found, Finding) else []
    if not findings:
        findings = _head(h["version"], h["head_hash"], len(rows), found, "case", "event")
    if not findings:
        findings = _cached_state(store, case_record(head), rows)
    return AuditReport("case", case_id, len(rows), h["head_hash"], findings)


def _cached_state(store: CaseStore, head: CaseRecord, rows: Sequence[Any]) -> list[Finding]:
    """The pathway state cached on the case row must be the one its log replays to.

    A cache older than the log (``state_version`` below ``version``) claims nothing: readers
    recompute it. A cache that claims the current version is replayed and compared.
    """
    if head.state_version > head.version:
        return [Finding(None, "state_version", f"the case row's state claims version {head.state_version} but the "
                                               f"case is at version {head.version}: the row was edited")]
    if head.state_version != head.version:
        return []
    try:
        case = as_case(head, [event_record_from(r._mapping) for r in rows])
    except ScsWorkflowError as err:
        return [Finding(None, None, f"the log no longer reads as a valid case: {err}")]
    replayed = store.replayed_state(case, head.created_at.date())
    for name, cached, fresh in zip(("state", "state_policy", "state_as_of"),
                                   (head.state, head.state_policy, head.state_as_of), replayed, strict=True):
        if cached != fresh:
            return [Finding(None, name, f"the case row says {name} {cached!r} but its log replays to {fresh!r}: "
                                        "the row was edited")]
    return []


def _verify_request(conn: Connection, request_id: str) -> AuditReport:
    row = conn.execute(select(auth_requests).where(auth_requests.c.request_id == request_id)).one()
    m = row._mapping
    rows = conn.execute(select(request_log).where(request_log.c.request_id == request_id)
                        .order_by(request_log.c.seq)).all()
    found = _walk(chain.request_genesis(request_id),
                  [(r.seq, r.action, r.prev_hash, r.hash, lambda n, r=r: _entry_hash(r, n)) for r in rows],
                  "entry", "request log does not start at the request's genesis")
    findings = [found] if isinstance(found, Finding) else []
    if not findings:
        findings = _head(m["version"], m["head_hash"], len(rows), found, "request", "entry")
    if not findings:
        entries = [LogEntry(r.request_id, r.seq, r.action, r.recorded_at, r.actor, r.role, json.loads(r.detail),
                            r.prev_hash, r.hash) for r in rows]
        folded = fold(entries)
        for name in FOLDED:
            if folded.get(name) != m[name]:
                findings.append(Finding(None, name, f"the request row says {m[name]!r} but its log says "
                                                    f"{folded.get(name)!r}: the row was edited"))
                break
    return AuditReport("request", request_id, len(rows), m["head_hash"], findings)


Link = tuple[int, str, str, str, Any]


def _walk(running: str, links: Sequence[Link], noun: str, genesis_broken: str) -> Finding | str:
    """The first broken link, or the recomputed head hash when the chain holds."""
    for expected, (seq, item, prev_hash, stored, recompute) in enumerate(links, start=1):
        if seq != expected:
            what = "deleted" if seq > expected else "duplicated or reordered"
            return Finding(expected, None, f"missing: an {noun} was {what} "
                                           f"(the log goes on with seq {seq}, {noun} {item!r})")
        digest = _safe(recompute, seq)
        if digest != stored:
            origin = next((n for n in range(1, len(links) + 1) if n != seq and _safe(recompute, n) == stored), None)
            if origin is None:
                return Finding(seq, item, f"edited: the {noun}'s content no longer matches its hash")
            return Finding(seq, item, f"reordered: this {noun} was recorded as seq {origin}, not seq {seq}")
        if prev_hash != running:
            if seq == 1:
                return Finding(seq, item, f"does not chain to its start: the {genesis_broken}")
            return Finding(seq, item, f"does not chain to seq {seq - 1}: {noun}s were reordered, "
                                      "or one before it was deleted and the log re-linked")
        running = stored
    return running


def _head(version: int, head_hash: str, n: int, running: Finding | str, kind: str, noun: str) -> list[Finding]:
    if version != n:
        gone = f"seq {n + 1}-{version}" if version > n else "none"
        return [Finding(n + 1, None, f"the {kind} is at version {version} but its log ends at seq {n}: "
                                     f"{noun}s deleted ({gone})")]
    if head_hash != running:
        return [Finding(n or None, None, f"the {kind}'s head hash does not match its last {noun}: "
                                         "the head or the last record was replaced")]
    return []


def _safe(recompute: Any, seq: int) -> str | None:
    try:
        return str(recompute(seq))
    except (ValueError, TypeError, KeyError):
        return None


def _event_hash(r: Any, seq: int) -> str:
    return chain.event_hash(case_id=r.case_id, seq=seq, event_id=r.event_id, type=r.type,
                            effective_date=r.effective_date, payload=json.loads(r.payload), recorded_at=r.recorded_at,
                            actor=r.actor, role=r.role, source=r.source, prev_hash=r.prev_hash)


def _entry_hash(r: Any, seq: int) -> str:
    return chain.entry_hash(request_id=r.request_id, seq=seq, action=r.action, recorded_at=r.recorded_at,
                            actor=r.actor, role=r.role, detail=json.loads(r.detail), prev_hash=r.prev_hash)
