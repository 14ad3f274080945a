"""Authorization requests on a case: received -> pended (information requested) -> decided.

Each request keeps its own append-only, hash-chained log (``received``, ``recommended``,
``pended``, ``decided``); the ``auth_requests`` row is that log folded (:func:`fold`), which
``audit verify`` re-checks. The engine's recommendation is stored with the policy version it
used, at ``new`` and again at ``decide``. The final decision is a person's: a denial needs a
role in ``roles.may_deny`` and a written rationale; an approval that goes against the
recommendation needs a rationale too; only an all-approve recommendation is approved
automatically (role ``system``). An approval appends an ``authorization`` event to the case.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from ..engine.decision import Decision
from ..model.case import Case
from ..model.errors import NotFound, PermissionDenied
from ..model.service import ServiceLine, as_lines
from . import chain
from .cases import Actor, Incoming, as_case, case_record, check_id, load_events
from .errors import ActionRefused, DuplicateKey, IdempotencyConflict
from .schema import auth_requests, cases, request_log

if TYPE_CHECKING:
    from .cases import Cases

Outcome = Literal["approve", "deny", "pend"]
OPEN = ("received", "pended")


@dataclass(frozen=True)
class RequestRecord:
    request_id: str
    case_id: str
    urgency: str
    received_at: dt.datetime
    date_of_service: dt.date
    codes: list[dict[str, Any]]
    clocks: list[str]
    due_at: dt.datetime
    status: str
    outcome: str | None
    recommendation: dict[str, Any] | None
    rec_outcome: str | None
    rec_policy: str | None
    pended_at: dt.datetime | None
    pend_count: int
    decided_at: dt.datetime | None
    decided_by: str | None
    decided_role: str | None
    rationale: str | None
    auth_number: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    authorization_event_id: str | None
    version: int
    head_hash: str

    def overdue(self, now: dt.datetime) -> bool:
        """Still open after its due time (a decision exactly at the due time is on time)."""
        return self.status in OPEN and now > self.due_at


@dataclass(frozen=True)
class LogEntry:
    request_id: str
    seq: int
    action: str
    recorded_at: dt.datetime
    actor: str
    role: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class RequestDesk:
    """The authorization requests of a case store (:class:`~scs_workflow.store.api.CaseStore`)."""

    def __init__(self, store: Cases) -> None:
        self.store = store

    # --- reading ----------------------------------------------------------------------

    def get(self, request_id: str) -> RequestRecord:
        with self.store.db.read() as conn:
            row = conn.execute(select(auth_requests).where(auth_requests.c.request_id == request_id)).first()
        if row is None:
            raise NotFound(f"no authorization request {request_id!r} in the store")
        return _record(row._mapping)

    def all(self, *, case_id: str | None = None, status: Sequence[str] = ()) -> list[RequestRecord]:
        q = select(auth_requests).order_by(auth_requests.c.received_at, auth_requests.c.request_id)
        if case_id is not None:
            q = q.where(auth_requests.c.case_id == case_id)
        if status:
            q = q.where(auth_requests.c.status.in_(list(status)))
        with self.store.db.read() as conn:
            return [_record(r._mapping) for r in conn.execute(q)]

    def log(self, request_id: str) -> list[LogEntry]:
        with self.store.db.read() as conn:
            return _log(conn, request_id)

    # --- writing ----------------------------------------------------------------------

    def new(self, case_id: str, codes: Sequence[str | ServiceLine], *, urgency: str,
            received_at: dt.datetime | None = None,
            by: Actor, date_of_service: dt.date | None = None, clocks: Sequence[str] = (),
            request_id: str | None = None, auto_approve: bool = False,
            auth_number: str | None = None) -> RequestRecord:
        """Record a request received, with its due time and the engine's recommendation.

        Without *received_at* the request is received now, and a replay of the same request id
        (same case, codes and urgency) returns the stored request whatever time it was received.
        """
        book = self.store.clocks
        book.check_role(by.role)
        given = received_at is not None
        if received_at is None:
            received_at = self.store.now()
        if received_at.tzinfo is None:
            raise ActionRefused("received_at must carry a timezone (or use the CLI, which applies clocks.yaml's)")
        request_id = request_id or f"req-{uuid.uuid4().hex[:12]}"
        check_id(request_id, "request_id")
        lines = as_lines(list(codes))
        if not lines:
            raise ActionRefused("a request needs at least one code")
        dos = date_of_service or received_at.astimezone(book.zone).date()
        wanted = [line_record(line) for line in lines]
        existing = self._find(request_id)
        if existing is not None:
            return _same_request(existing, case_id, wanted, urgency, received_at if given else None)
        head = self.store.get(case_id, refresh=False)
        rule_sets = book.for_policy(head.policy, clocks)
        due = book.due(received_at, urgency, rule_sets)
        try:
            with self.store.db.write() as conn:
                case = self._lock_case(conn, case_id)
                decision = self.store.engine.decide(case, lines, dos)
                genesis = chain.request_genesis(request_id)
                conn.execute(insert(auth_requests).values(
                    request_id=request_id, case_id=case_id, urgency=urgency, received_at=received_at,
                    date_of_service=dos, codes=chain.canonical(wanted), clocks=",".join(rule_sets), due_at=due.due_at,
                    status="received", pend_count=0, version=0, head_hash=genesis))
                self._record_step(conn, request_id, "received", by, {
                    "case_id": case_id, "urgency": urgency, "received_at": chain.instant(received_at),
                    "date_of_service": dos.isoformat(), "codes": wanted, "clocks": rule_sets,
                    "due_at": chain.instant(due.due_at), "due_rule": due.explain()})
                self._recommend(conn, request_id, decision, by)
                if auto_approve and _all_approve(decision):
                    system = Actor(book.roles.automatic, book.roles.automatic, by.source)
                    self._decide(conn, request_id, "approve", system, rationale=None,
                                 auth_number=auth_number or f"AUTH-{request_id}", valid_from=None, valid_to=None,
                                 at=max(self.store.now(), received_at), automatic=True)
        except DuplicateKey:  # the same request id was recorded meanwhile
            return _same_request(self.get(request_id), case_id, wanted, urgency, received_at if given else None)
        return self.get(request_id)

    def decide(self, request_id: str, outcome: str, *, by: Actor, rationale: str | None = None,
               auth_number: str | None = None, valid_from: dt.date | None = None, valid_to: dt.date | None = None,
               at: dt.datetime | None = None) -> RequestRecord:
        """Pend, approve or deny *request_id*; the recommendation is refreshed first."""
        if outcome not in ("approve", "deny", "pend"):
            raise ActionRefused(f"outcome must be approve, deny or pend, not {outcome!r}")
        book = self.store.clocks
        if by.role != book.roles.automatic or outcome != "approve":
            book.require(by.role, "pend" if outcome == "pend" else "approve" if outcome == "approve" else "deny")
        with self.store.db.write() as conn:
            row = conn.execute(select(auth_requests).where(auth_requests.c.request_id == request_id)
                               .with_for_update()).first()
            if row is None:
                raise NotFound(f"no authorization request {request_id!r} in the store")
            req = _record(row._mapping)
            if req.status == "decided":
                raise ActionRefused(f"request {request_id} was decided ({req.outcome}) already: a decision is final")
            case = self._lock_case(conn, req.case_id)
            decision = self.store.engine.decide(case, request_lines(req), req.date_of_service)
            self._recommend(conn, request_id, decision, by)
            when = at or self.store.now()
            if when < req.received_at:
                raise ActionRefused(f"request {request_id}: a decision at {when.isoformat()} precedes its receipt")
            if outcome == "pend":
                self._record_step(conn, request_id, "pended", by, {"at": chain.instant(when),
                                                                   "rationale": _text(rationale)})
            else:
                self._decide(conn, request_id, outcome, by, rationale=rationale, auth_number=auth_number,
                             valid_from=valid_from, valid_to=valid_to, at=when,
                             automatic=by.role == book.roles.automatic)
        return self.get(request_id)

    # --- steps --------------------------------------------------------------------------

    def _decide(self, conn: Connection, request_id: str, outcome: str, by: Actor, *, rationale: str | None,
                auth_number: str | None, valid_from: dt.date | None, valid_to: dt.date | None, at: dt.datetime,
                automatic: bool) -> None:
        row = conn.execute(select(auth_requests).where(auth_requests.c.request_id == request_id)).one()
        req = _record(row._mapping)
        book = self.store.clocks
        why = _text(rationale)
        agrees = req.rec_outcome == "approve"
        if outcome == "deny" and not why:
            raise ActionRefused(f"request {request_id}: a denial needs a written rationale (--rationale)")
        if outcome == "approve" and by.role == book.roles.automatic and not agrees:
            raise PermissionDenied(f"request {request_id}: automatic approval needs an approve recommendation for "
                                   f"every code (it is {req.rec_outcome}); a person must decide")
        if outcome == "approve" and not agrees and not why:
            raise ActionRefused(f"request {request_id}: approving against the engine's {req.rec_outcome} "
                                "recommendation needs a written rationale (--rationale)")
        detail: dict[str, Any] = {"at": chain.instant(at), "outcome": outcome, "rationale": why,
                                  "automatic": automatic}
        if outcome == "approve":
            if not auth_number or not auth_number.strip():
                raise ActionRefused(f"request {request_id}: an approval needs its authorization number (--auth-number)")
            day = at.astimezone(book.zone).date()
            start = valid_from or day
            days = book.valid_days(req.clocks) or book.data.default_authorization_valid_days
            end = valid_to or start + dt.timedelta(days=days)
            if end < start:
                raise ActionRefused(f"request {request_id}: valid_to {end} is before valid_from {start}")
            event_id = f"auth-{request_id}"
            lines = request_lines(req)
            settings = {ln.place_of_service for ln in lines}
            event: dict[str, Any] = {
                "id": event_id, "type": "authorization", "date": day.isoformat(), "number": auth_number.strip(),
                "program": "medicare_opd" if "medicare-opd" in req.clocks else "prior_authorization",
                "services": [{"code": ln.code, "units": ln.units} for ln in lines],
                "valid_from": start.isoformat(), "valid_to": end.isoformat()}
            if len(settings) == 1 and None not in settings:
                event["setting"] = settings.pop()
            source = Actor(by.name, by.role, f"request:{request_id}")
            self.store.append_in(conn, req.case_id, [Incoming(event, source)])
            detail.update(auth_number=auth_number.strip(), valid_from=start.isoformat(), valid_to=end.isoformat(),
                          authorization_event_id=event_id)
        self._record_step(conn, request_id, "decided", by, detail)

    def _recommend(self, conn: Connection, request_id: str, decision: Decision, by: Actor) -> None:
        self._record_step(conn, request_id, "recommended", by, {
            "policy": f"{decision.policy_id}@{decision.policy_version}",
            "outcome": _summary(decision), "codes": {c.code: c.outcome.value for c in decision.codes},
            "decision": json.loads(decision.model_dump_json())})

    def _record_step(self, conn: Connection, request_id: str, action: str, by: Actor, detail: dict[str, Any]) -> None:
        """Chain one entry onto the request's log and refresh the row from the whole log."""
        row = conn.execute(select(auth_requests.c.version, auth_requests.c.head_hash)
                           .where(auth_requests.c.request_id == request_id)).one()
        seq, now = row.version + 1, self.store.now()
        detail = json.loads(chain.canonical(detail))
        digest = chain.entry_hash(request_id=request_id, seq=seq, action=action, recorded_at=now, actor=by.name,
                                  role=by.role, detail=detail, prev_hash=row.head_hash)
        conn.execute(insert(request_log).values(
            request_id=request_id, seq=seq, action=action, recorded_at=now, actor=by.name, role=by.role,
            detail=chain.canonical(detail), prev_hash=row.head_hash, hash=digest))
        view = fold(_log(conn, request_id))
        conn.execute(update(auth_requests).where(auth_requests.c.request_id == request_id).values(**view))

    def _lock_case(self, conn: Connection, case_id: str) -> Case:
        row = conn.execute(select(cases).where(cases.c.case_id == case_id).with_for_update()).first()
        if row is None:
            raise NotFound(f"no case {case_id!r} in the store")
        return as_case(case_record(row), load_events(conn, case_id))

    def _find(self, request_id: str) -> RequestRecord | None:
        try:
            return self.get(request_id)
        except NotFound:
            return None


# --- the fold: a request row is its log ------------------------------------------------------

FOLDED = ("case_id", "urgency", "received_at", "date_of_service", "codes", "clocks", "due_at", "status", "outcome",
          "recommendation", "rec_outcome", "rec_policy", "pended_at", "pend_count", "decided_at", "decided_by",
          "decided_role", "rationale", "auth_number", "valid_from", "valid_to", "authorization_event_id",
          "version", "head_hash")


def fold(entries: Sequence[LogEntry]) -> dict[str, Any]:
    """The ``auth_requests`` columns that the log *entries* imply (stored types)."""
    v: dict[str, Any] = {"status": "received", "pend_count": 0, "version": len(entries),
                         "head_hash": entries[-1].hash if entries else None}
    for e in entries:
        d = e.detail
        if e.action == "received":
            v.update(case_id=d["case_id"], urgency=d["urgency"], received_at=_instant(d["received_at"]),
                     date_of_service=dt.date.fromisoformat(d["date_of_service"]), codes=chain.canonical(d["codes"]),
                     clocks=",".join(d["clocks"]), due_at=_instant(d["due_at"]))
        elif e.action == "recommended":
            v.update(recommendation=chain.canonical(d["decision"]), rec_outcome=d["outcome"], rec_policy=d["policy"])
        elif e.action == "pended":
            v.update(status="pended", pended_at=_instant(d["at"]), pend_count=v["pend_count"] + 1)
        elif e.action == "decided":
            v.update(status="decided", outcome=d["outcome"], decided_at=_instant(d["at"]), decided_by=e.actor,
                     decided_role=e.role, rationale=d.get("rationale"), auth_number=d.get("auth_number"),
                     valid_from=_day(d.get("valid_from")), valid_to=_day(d.get("valid_to")),
                     authorization_event_id=d.get("authorization_event_id"))
    return v


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _log(conn: Connection, request_id: str) -> list[LogEntry]:
    rows = conn.execute(select(request_log).where(request_log.c.request_id == request_id).order_by(request_log.c.seq))
    return [LogEntry(request_id=r.request_id, seq=r.seq, action=r.action, recorded_at=r.recorded_at, actor=r.actor,
                     role=r.role, detail=json.loads(r.detail), prev_hash=r.prev_hash, hash=r.hash) for r in rows]


def _record(m: Mapping[Any, Any]) -> RequestRecord:
    values = {f.name: m[f.name] for f in fields(RequestRecord)}
    values["codes"] = json.loads(values["codes"])
    values["clocks"] = values["clocks"].split(",") if values["clocks"] else []
    values["recommendation"] = json.loads(values["recommendation"]) if values["recommendation"] else None
    return RequestRecord(**values)


def line_record(line: ServiceLine) -> dict[str, Any]:
    """A request line as stored: code and units, then every fact the line states (use, place of service,
    contacts, region, waveform...), so a re-decision judges the same request."""
    facts = line.model_dump(mode="json", exclude_defaults=True, exclude={"code", "units"})
    return {"code": line.code, "units": line.units, **facts}


def request_lines(req: RequestRecord) -> list[ServiceLine]:
    """The lines of a stored request (requests stored before line facts were kept have code and units only)."""
    return [ServiceLine.model_validate(c) for c in req.codes]


def _same_request(existing: RequestRecord, case_id: str, codes: list[dict[str, Any]], urgency: str,
                  received_at: dt.datetime | None) -> RequestRecord:
    """The stored request when this one is a replay of it; *received_at* None: not given (defaulted to now)."""
    stored_at = existing.received_at if received_at is None else received_at
    if (existing.case_id, existing.codes, existing.urgency, existing.received_at) != (case_id, codes, urgency,
                                                                                       stored_at):
        raise IdempotencyConflict(existing.case_id, existing.request_id, "request")
    return existing


def _summary(decision: Decision) -> str:
    outcomes = {c.outcome.value for c in decision.codes}
    return "deny" if "deny" in outcomes else "pend" if "pend" in outcomes else "approve"


def _all_approve(decision: Decision) -> bool:
    return all(c.outcome.value == "approve" for c in decision.codes)


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None
