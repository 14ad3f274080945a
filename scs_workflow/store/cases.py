"""The case store: cases as append-only, hash-chained event logs with optimistic concurrency.

>>> import tempfile, pathlib
>>> from scs_workflow.store import open_store
>>> store = open_store(str(pathlib.Path(tempfile.mkdtemp()) / "doc.db"))
>>> by = Actor("ana", "intake")
>>> store.create_case("doc-1", patient_ref="SYN-0001", policy="medicare", diagnoses=[{"code": "M96.1"}], by=by).version
0
>>> first = store.append("doc-1", {"id": "pain-1", "type": "pain_score", "date": "2026-01-05", "score": 8},
...                      by=by, expected_version=0)
>>> (first.created, first.version, first.record.seq)
(True, 1, 1)
>>> again = store.append("doc-1", {"id": "pain-1", "type": "pain_score", "date": "2026-01-05", "score": 8}, by=by)
>>> (again.created, again.version, again.record.hash == first.record.hash)
(False, 1, True)

An append validates the whole case with the new event (so cross-event rules apply)
inside one write transaction that checks the case's version; nothing is written when
anything fails. The pathway state kept on the case row is a cache: ``rebuild`` recomputes
it from the log.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Row

from ..engine.decision import Engine, default_engine
from ..model.case import Case, parse_case, parse_event
from ..model.errors import CaseError, ConcurrencyConflict, NotFound, PolicyNotFound, Problem, ScsWorkflowError
from ..model.facts import CaseView
from ..model.inputs import Limits
from . import chain
from .clocks import ClockBook, load_clocks
from .database import Database
from .errors import DuplicateKey, IdempotencyConflict
from .schema import ID, case_events, cases

log = logging.getLogger("scs_workflow.store")
_RETRIES = 8


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Actor:
    """Who records something: a name (never a patient's), a role and the channel it came through."""

    name: str
    role: str
    source: str = "api"


@dataclass(frozen=True)
class CaseRecord:
    case_id: str
    patient_ref: str
    policy: str
    diagnoses: list[dict[str, Any]]
    version: int
    head_hash: str
    created_at: dt.datetime
    created_by: str
    created_role: str
    created_source: str
    state: str | None
    state_policy: str | None
    state_as_of: dt.date | None
    state_version: int
    updated_at: dt.datetime

    @property
    def state_is_current(self) -> bool:
        return self.state is not None and self.state_version == self.version


@dataclass(frozen=True)
class EventRecord:
    case_id: str
    seq: int
    event_id: str
    type: str
    effective_date: dt.date
    payload: dict[str, Any]
    recorded_at: dt.datetime
    actor: str
    role: str
    source: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Appended:
    """What an append did: ``created`` is False when the event id was already recorded."""

    record: EventRecord
    created: bool
    version: int


@dataclass(frozen=True)
class Incoming:
    """One event to append, with who records it (and, on import, when it was first recorded)."""

    event: Mapping[str, Any]
    by: Actor
    recorded_at: dt.datetime | None = None


class Cases:
    """Cases and their events: the case half of :class:`~scs_workflow.store.api.CaseStore` (which adds the
    authorization requests); the request desk builds on this class, never the other way round."""

    def __init__(self, db: Database, *, engine: Engine | Callable[[], Engine] | None = None,
                 clocks: ClockBook | None = None, now: Callable[[], dt.datetime] = utcnow) -> None:
        self.db = db
        self._engine = engine if isinstance(engine, Engine) else None
        self._make_engine: Callable[[], Engine] = default_engine if engine is None or isinstance(engine, Engine) \
            else engine
        self._clocks = clocks
        self.now = now

    @property
    def engine(self) -> Engine:
        """The policy engine, built on first use (reading, listing and exporting never need it)."""
        if self._engine is None:
            self._engine = self._make_engine()
        return self._engine

    @property
    def clocks(self) -> ClockBook:
        if self._clocks is None:
            self._clocks = load_clocks()
        return self._clocks

    def close(self) -> None:
        self.db.dispose()

    # --- cases ----------------------------------------------------------------------

    def create_case(self, case_id: str, *, patient_ref: str, policy: str, diagnoses: Sequence[Mapping[str, Any]] = (),
                    by: Actor, created_at: dt.datetime | None = None,
                    events: Sequence[Incoming] = ()) -> CaseRecord:
        """Open a case (idempotent: the same header again returns the stored case).

        With *events*, the header and the events are written in one transaction: an invalid
        event leaves nothing behind, not even the header.
        """
        header = parse_case({"case_id": case_id, "patient_ref": patient_ref, "policy": policy,
                             "diagnoses": list(diagnoses), "events": []}, "case")
        check_id(case_id, "$.case_id")
        check_id(patient_ref, "$.patient_ref")  # a pseudonymous reference is id-sized
        self.clocks.check_role(by.role)
        self.engine.library.get(policy)  # an unknown policy is an input error, before anything is written
        dx = [d.model_dump(mode="json") for d in header.diagnoses]
        when = created_at or self.now()
        genesis = chain.header_hash(case_id=case_id, patient_ref=patient_ref, policy=policy, diagnoses=dx,
                                    created_at=when, created_by=by.name, created_role=by.role,
                                    created_source=by.source)
        state, state_policy, as_of = self._snapshot(header, when.date())
        for _ in range(_RETRIES):
            existing = self.find(case_id)
            if existing is not None:
                same = (existing.patient_ref, existing.policy, existing.diagnoses) == (patient_ref, policy, dx)
                if not same:
                    raise IdempotencyConflict(case_id, case_id, "case")
                if events:
                    self.append_many(case_id, events)
                    return self.get(case_id)
                return existing
            try:
                with self.db.write() as conn:
                    conn.execute(insert(cases).values(
                        case_id=case_id, patient_ref=patient_ref, policy=policy, diagnoses=chain.canonical(dx),
                        created_at=when, created_by=by.name, created_role=by.role, created_source=by.source,
                        version=0, head_hash=genesis, state=state, state_policy=state_policy, state_as_of=as_of,
                        state_version=0, updated_at=when))
                    if events:
                        self.append_in(conn, case_id, events)
            except DuplicateKey:
                continue  # created by someone else meanwhile: compare with theirs
            log.info("case %s opened", case_id)
            return self.get(case_id)
        raise ConcurrencyConflict(case_id, 0, -1)

    def find(self, case_id: str, *, refresh: bool = True) -> CaseRecord | None:
        """The case's header, its pathway state brought up to date first when the log moved on
        (``refresh=False``: as stored, for readers that do not show the state)."""
        with self.db.read() as conn:
            row = conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
        if row is None:
            return None
        head = case_record(row)
        if head.state_version == head.version or not refresh:
            return head
        self.rebuild([case_id])
        with self.db.read() as conn:
            return case_record(conn.execute(select(cases).where(cases.c.case_id == case_id)).one())

    def get(self, case_id: str, *, refresh: bool = True) -> CaseRecord:
        found = self.find(case_id, refresh=refresh)
        if found is None:
            raise NotFound(f"no case {case_id!r} in the store")
        return found

    def list_cases(self, *, refresh: bool = True) -> list[CaseRecord]:
        """Every case's header; pathway states older than their log are recomputed first (then cached),
        unless ``refresh=False``."""
        with self.db.read() as conn:
            rows = conn.execute(select(cases).order_by(cases.c.case_id)).all()
        heads = [case_record(r) for r in rows]
        stale = [h.case_id for h in heads if h.state_version != h.version]
        if not stale or not refresh:
            return heads
        self.rebuild(stale)
        with self.db.read() as conn:
            rows = conn.execute(select(cases).order_by(cases.c.case_id)).all()
        return [case_record(r) for r in rows]

    def events(self, case_id: str) -> list[EventRecord]:
        """The case's log in seq order."""
        with self.db.read() as conn:
            if conn.execute(select(cases.c.case_id).where(cases.c.case_id == case_id)).first() is None:
                raise NotFound(f"no case {case_id!r} in the store")
            return load_events(conn, case_id)

    def case(self, case_id: str) -> Case:
        """The case as the engine sees it, rebuilt from the log."""
        with self.db.read() as conn:
            head = conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
            if head is None:
                raise NotFound(f"no case {case_id!r} in the store")
            return as_case(case_record(head), load_events(conn, case_id))

    def count_events(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(case_events)).scalar_one())

    # --- appending ------------------------------------------------------------------

    def append(self, case_id: str, event: Mapping[str, Any], *, by: Actor,
               expected_version: int | None = None) -> Appended:
        """Append one event; re-sending its id with the same content returns the original.

        With *expected_version*, a case that has moved on raises :class:`ConcurrencyConflict`
        (reload, re-check, retry); without it, the event goes on the head of the log.
        """
        return self.append_many(case_id, [Incoming(event, by)], expected_version=expected_version)[0]

    def append_many(self, case_id: str, items: Sequence[Incoming], *,
                    expected_version: int | None = None) -> list[Appended]:
        """Append several events atomically: all of them or none."""
        for attempt in range(_RETRIES):
            try:
                with self.db.write() as conn:
                    return self.append_in(conn, case_id, items, expected_version=expected_version)
            except (ConcurrencyConflict, DuplicateKey):
                if expected_version is not None or attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def append_in(self, conn: Connection, case_id: str, items: Sequence[Incoming], *,
                  expected_version: int | None = None) -> list[Appended]:
        """:meth:`append_many` inside the caller's write transaction.

        The cost does not grow with the log: the case row is the verified snapshot (version and
        chain head), re-sent ids are looked up by key, and the new events are validated together
        with only the stored records that cases' cross-event rules read (trial placements and
        outcomes, corrections and the records they correct). The pathway state on the case row
        is left stale; :meth:`find` and :meth:`list_cases` recompute it when next read.
        """
        row = conn.execute(select(cases).where(cases.c.case_id == case_id).with_for_update()).first()
        if row is None:
            raise NotFound(f"no case {case_id!r} in the store")
        head = case_record(row)
        for item in items:
            self.clocks.check_role(item.by.role)
        wanted = [_event_id(item.event) for item in items]
        by_id = {e.event_id: e for e in _events_by_id(conn, case_id, set(wanted))}
        fresh: list[Incoming] = []
        results: dict[int, Appended] = {}
        for n, (item, event_id) in enumerate(zip(items, wanted, strict=True)):
            if event_id in by_id:
                old = by_id[event_id]
                if _normal(head, item.event) != _normal(head, old.payload):
                    raise IdempotencyConflict(case_id, event_id)
                results[n] = Appended(old, False, head.version)
            else:
                fresh.append(item)
        if not fresh:
            return [results[n] for n in range(len(items))]
        if expected_version is not None and expected_version != head.version:
            raise ConcurrencyConflict(case_id, expected_version, head.version)
        limit = Limits.from_env().max_events
        if head.version + len(fresh) > limit:
            raise CaseError(f"case {case_id}: too many events; nothing was written",
                            [Problem("$", f"{head.version + len(fresh)} events; at most {limit} per case "
                                          "(SCS_MAX_EVENTS)")])
        new_payloads = [dict(i.event) for i in fresh]
        stored = _cross_event_records(conn, case_id, new_payloads)
        payloads = [e.payload for e in stored] + new_payloads
        case = _validate(head, payloads, stored)
        version, prev = head.version, head.head_hash
        new_rows: list[dict[str, Any]] = []
        for item, ev in zip(fresh, case.events[len(stored):], strict=True):
            version += 1
            payload = ev.model_dump(mode="json")
            when = item.recorded_at or self.now()
            digest = chain.event_hash(case_id=case_id, seq=version, event_id=ev.id, type=ev.type,
                                      effective_date=ev.date, payload=payload, recorded_at=when,
                                      actor=item.by.name, role=item.by.role, source=item.by.source, prev_hash=prev)
            new_rows.append(dict(case_id=case_id, event_id=ev.id, seq=version, type=ev.type, effective_date=ev.date,
                                 payload=chain.canonical(payload), recorded_at=when, actor=item.by.name,
                                 role=item.by.role, source=item.by.source, prev_hash=prev, hash=digest))
            prev = digest
        done = conn.execute(  # the pathway state stays at state_version: stale until read
            update(cases).where(cases.c.case_id == case_id, cases.c.version == head.version)
            .values(version=version, head_hash=prev, updated_at=self.now()))
        if done.rowcount != 1:  # someone appended between our read and this write
            actual = conn.execute(select(cases.c.version).where(cases.c.case_id == case_id)).scalar_one()
            raise ConcurrencyConflict(case_id, head.version, int(actual))
        conn.execute(insert(case_events), new_rows)
        fresh_records = iter(event_record_from(r) for r in new_rows)
        log.info("case %s: %d event(s) appended, version %d", case_id, len(new_rows), version)
        return [results[n] if n in results else Appended(next(fresh_records), True, version)
                for n in range(len(items))]

    # --- the derived pathway state ------------------------------------------------------

    def replayed_state(self, case: Case, default_day: dt.date) -> tuple[str | None, str | None, dt.date | None]:
        """``(state, policy key, as of)`` replayed from *case*'s events, as the case row caches them."""
        return self._snapshot(case, default_day)

    def _snapshot(self, case: Case, default_day: dt.date) -> tuple[str | None, str | None, dt.date | None]:
        """The pathway state after every recorded event (as of the latest effective date)."""
        as_of = max((e.date for e in case.events), default=default_day)
        try:
            try:
                policy = self.engine.policy_for(case, as_of)
            except PolicyNotFound:
                policy = self.engine.library.get(case.policy)
            replay = self.engine.compiled(policy).pathway.replay(CaseView(case), as_of, history_only=False)
        except ScsWorkflowError as err:  # the cache stays empty; `case rebuild` retries
            log.warning("case %s: pathway state not computed: %s", case.case_id, err.__class__.__name__)
            return None, None, None
        return replay.state, policy.key, as_of

    def rebuild(self, case_ids: Iterable[str] | None = None) -> list[tuple[str, str | None, str | None]]:
        """Recompute the cached pathway state from the log: ``(case_id, before, after)`` for each case."""
        ids = list(case_ids) if case_ids is not None else [c.case_id for c in self.list_cases()]
        out = []
        for case_id in ids:
            with self.db.write() as conn:
                row = conn.execute(select(cases).where(cases.c.case_id == case_id).with_for_update()).first()
                if row is None:
                    raise NotFound(f"no case {case_id!r} in the store")
                head = case_record(row)
                case = as_case(head, load_events(conn, case_id))
                state, state_policy, as_of = self._snapshot(case, head.created_at.date())
                conn.execute(update(cases).where(cases.c.case_id == case_id).values(
                    state=state, state_policy=state_policy, state_as_of=as_of, state_version=head.version))
            out.append((case_id, head.state, state))
        return out


# --- helpers ------------------------------------------------------------------------------


def check_id(value: str, where: str) -> None:
    if not value or len(value) > ID or value != value.strip():
        raise CaseError("invalid id", [Problem(where, f"an id is 1-{ID} characters without surrounding spaces")])


def _event_id(event: Mapping[str, Any]) -> str:
    if not isinstance(event, Mapping):
        raise CaseError("invalid event", [Problem("$", "an event is a JSON object")])
    value = event.get("id")
    if not isinstance(value, str) or not value:
        raise CaseError("invalid event", [Problem("$.id", "required: the event id is the idempotency key")])
    check_id(value, "$.id")
    return value


def _base(head: CaseRecord) -> dict[str, Any]:
    return {"case_id": head.case_id, "patient_ref": head.patient_ref, "policy": head.policy,
            "diagnoses": head.diagnoses}


def _normal(head: CaseRecord, event: Mapping[str, Any]) -> Any:
    """An event as the model reads it, so ``8`` and ``8.0`` or a default left out compare equal."""
    try:
        return parse_event(dict(event)).model_dump(mode="json")  # alone: a correction's target is elsewhere
    except CaseError:
        return dict(event)


_REF = re.compile(r"events\[(\d+)\]")


def _validate(head: CaseRecord, payloads: list[dict[str, Any]], stored: list[EventRecord]) -> Case:
    """The whole case with the new events; problems point into the new event (``$.score``)."""
    try:
        return parse_case({**_base(head), "events": payloads}, f"case {head.case_id}")
    except CaseError as err:
        ids = [str(p.get("id")) for p in payloads]
        problems, culprit = [], None
        for p in err.problems:
            where, message = p.where, p.message
            m = re.match(r"^\$\.events\[(\d+)\]", where)
            if m and int(m.group(1)) >= len(stored):
                culprit = culprit or ids[int(m.group(1))]
                where = "$" + where[m.end():]
            message = _REF.sub(lambda r: f"event {ids[int(r.group(1))]!r}" if int(r.group(1)) < len(ids)
                               else r.group(0), message)
            problems.append(Problem(where, message))
        what = f"event {culprit!r}" if culprit else "the event"
        raise CaseError(f"case {head.case_id}: {what} is invalid; nothing was written", problems) from None


def case_record(row: Row[Any]) -> CaseRecord:
    m = row._mapping
    return CaseRecord(
        case_id=m["case_id"], patient_ref=m["patient_ref"], policy=m["policy"], diagnoses=json.loads(m["diagnoses"]),
        version=m["version"], head_hash=m["head_hash"], created_at=m["created_at"], created_by=m["created_by"],
        created_role=m["created_role"], created_source=m["created_source"], state=m["state"],
        state_policy=m["state_policy"], state_as_of=m["state_as_of"], state_version=m["state_version"],
        updated_at=m["updated_at"])


def event_record_from(m: Mapping[Any, Any]) -> EventRecord:
    return EventRecord(
        case_id=m["case_id"], seq=m["seq"], event_id=m["event_id"], type=m["type"],
        effective_date=m["effective_date"], payload=json.loads(m["payload"]), recorded_at=m["recorded_at"],
        actor=m["actor"], role=m["role"], source=m["source"], prev_hash=m["prev_hash"], hash=m["hash"])


_CROSS_EVENT_TYPES = ("trial_placement", "trial_outcome", "correction")


def _events_by_id(conn: Connection, case_id: str, ids: set[str]) -> list[EventRecord]:
    if not ids:
        return []
    rows = conn.execute(select(case_events).where(case_events.c.case_id == case_id,
                                                  case_events.c.event_id.in_(sorted(ids))))
    return [event_record_from(r._mapping) for r in rows]


def _cross_event_records(conn: Connection, case_id: str, new: list[dict[str, Any]]) -> list[EventRecord]:
    """The stored records that the case's cross-event rules read when *new* joins the log, in seq order.

    Duplicate ids are refused by the caller (looked up by key) and by the primary key; the trial
    ordering rule reads the trial placements and outcomes; the correction rules read every
    correction and the records corrected (by the stored corrections and by the new ones). Checked
    on this subset (log order kept), the rules give the same verdict as on the whole log.
    """
    rows = conn.execute(select(case_events).where(case_events.c.case_id == case_id,
                                                  case_events.c.type.in_(_CROSS_EVENT_TYPES)))
    records = {r.event_id: event_record_from(r._mapping) for r in rows}
    targets = {str(p.get("corrects")) for p in [*(r.payload for r in records.values()), *new]
               if p.get("type") == "correction" and p.get("corrects") is not None}
    for rec in _events_by_id(conn, case_id, targets - records.keys()):
        records[rec.event_id] = rec
    return sorted(records.values(), key=lambda r: r.seq)


def load_events(conn: Connection, case_id: str) -> list[EventRecord]:
    rows = conn.execute(select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.seq))
    return [event_record_from(r._mapping) for r in rows]


def as_case(head: CaseRecord, events: list[EventRecord]) -> Case:
    return parse_case({**_base(head), "events": [e.payload for e in events]}, f"case {head.case_id}")
