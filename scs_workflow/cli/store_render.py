"""How the store's CLI shows cases, requests, worklists and metrics (text with rich, or JSON)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.console import Console
from rich.table import Table

from ..store.cases import CaseRecord, EventRecord
from ..store.chain import instant
from ..store.requests import LogEntry, RequestRecord
from ..store.worklist import Figures, OpenItem, PendedItem
from .outputs import markup as m


def _t(when: dt.datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else "-"


def _span(delta: dt.timedelta) -> str:
    hours = abs(delta.total_seconds()) / 3600
    return f"{hours / 24:.1f} d" if hours >= 48 else f"{hours:.1f} h"


def _iso(when: dt.datetime | None) -> str | None:
    return instant(when) if when else None


def case_json(head: CaseRecord, events: list[EventRecord], reqs: list[RequestRecord]) -> dict[str, Any]:
    return {
        "case_id": head.case_id, "patient_ref": head.patient_ref, "policy": head.policy, "diagnoses": head.diagnoses,
        "version": head.version, "head_hash": head.head_hash, "created_at": _iso(head.created_at),
        "created_by": head.created_by, "created_role": head.created_role,
        "pathway_state": {"state": head.state, "policy": head.state_policy,
                          "as_of": head.state_as_of.isoformat() if head.state_as_of else None,
                          "current": head.state_is_current},
        "events": [{"seq": e.seq, "id": e.event_id, "type": e.type, "date": e.effective_date.isoformat(),
                    "recorded_at": _iso(e.recorded_at), "actor": e.actor, "role": e.role, "source": e.source,
                    "hash": e.hash, "event": e.payload} for e in events],
        "requests": [request_json(r) for r in reqs],
    }


def case_text(head: CaseRecord, events: list[EventRecord], reqs: list[RequestRecord], out: Console) -> None:
    dx = ", ".join(str(d["code"]) for d in head.diagnoses) or "-"
    stale = "" if head.state_is_current else " [yellow](stale: run `case rebuild`)[/]"
    as_of = head.state_as_of.isoformat() if head.state_as_of else "-"
    out.print(f"[bold]case {m(head.case_id)}[/] · {m(head.patient_ref)} · policy {m(head.policy)} · diagnoses {m(dx)}")
    out.print(f"pathway state [bold]{m(head.state or '-')}[/] (as of {as_of}, {m(head.state_policy or '-')}){stale}")
    out.print(f"version {head.version} · head {m(head.head_hash[:16])} · opened {_t(head.created_at)} "
              f"by {m(head.created_by)} ({m(head.created_role)})")
    table = Table(title="history")
    for col in ("seq", "event", "type", "date", "recorded", "by", "source"):
        table.add_column(col)
    for e in events:
        table.add_row(str(e.seq), m(e.event_id), m(e.type), e.effective_date.isoformat(), _t(e.recorded_at),
                      m(f"{e.actor} ({e.role})"), m(e.source))
    out.print(table)
    if reqs:
        rt = Table(title="authorization requests")
        for col in ("request", "codes", "urgency", "received", "due", "status", "outcome", "recommended", "by"):
            rt.add_column(col)
        for r in reqs:
            rt.add_row(m(r.request_id), m(_codes(r)), m(r.urgency), _t(r.received_at), _t(r.due_at), m(r.status),
                       m(r.outcome or "-"), m(f"{r.rec_outcome or '-'} ({r.rec_policy or '-'})"),
                       m(f"{r.decided_by} ({r.decided_role})") if r.decided_by else "-")
        out.print(rt)


def _codes(r: RequestRecord) -> str:
    return " ".join(str(c["code"]) + (f"x{c['units']}" if c["units"] != 1 else "")
                    + (f":{c['use']}" if c.get("use") else "") for c in r.codes)


def request_json(r: RequestRecord, entries: list[LogEntry] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "request_id": r.request_id, "case_id": r.case_id, "urgency": r.urgency, "received_at": _iso(r.received_at),
        "date_of_service": r.date_of_service.isoformat(), "codes": r.codes, "clocks": r.clocks,
        "due_at": _iso(r.due_at), "status": r.status, "outcome": r.outcome,
        "recommendation": {"outcome": r.rec_outcome, "policy": r.rec_policy},
        "pended_at": _iso(r.pended_at), "pend_count": r.pend_count, "decided_at": _iso(r.decided_at),
        "decided_by": r.decided_by, "decided_role": r.decided_role, "rationale": r.rationale,
        "authorization": ({"number": r.auth_number, "valid_from": r.valid_from.isoformat() if r.valid_from else None,
                           "valid_to": r.valid_to.isoformat() if r.valid_to else None,
                           "event_id": r.authorization_event_id} if r.auth_number else None),
        "version": r.version, "head_hash": r.head_hash,
    }
    if entries is not None:
        out["log"] = [{"seq": e.seq, "action": e.action, "recorded_at": _iso(e.recorded_at), "actor": e.actor,
                       "role": e.role, "detail": e.detail, "hash": e.hash} for e in entries]
    return out


def request_text(r: RequestRecord, out: Console, entries: list[LogEntry] | None = None) -> None:
    out.print(f"[bold]request {m(r.request_id)}[/] on case {m(r.case_id)} · {m(_codes(r))} · {m(r.urgency)} · "
              f"date of service {r.date_of_service.isoformat()}")
    out.print(f"received {_t(r.received_at)} · due {_t(r.due_at)} ({m(', '.join(r.clocks))})")
    out.print(f"recommendation [bold]{m(r.rec_outcome or '-')}[/] ({m(r.rec_policy or '-')})")
    if r.recommendation:
        for c in r.recommendation.get("codes", []):
            coding = c.get("coding") or []
            why = (c["reasons"][0] if c.get("reasons") else coding[0]["message"] if coding
                   else "every criterion met")
            out.print(f"  {m(c['code'])}: {m(c['outcome'])} - {m(why)}")
    line = f"status [bold]{m(r.status)}[/]"
    if r.status == "pended":
        line += f" since {_t(r.pended_at)}"
    if r.status == "decided":
        line += f": [bold]{m(r.outcome)}[/] by {m(r.decided_by)} ({m(r.decided_role)}) at {_t(r.decided_at)}"
    out.print(line)
    if r.rationale:
        out.print(f"rationale: {m(r.rationale)}")
    if r.auth_number:
        out.print(f"authorization {m(r.auth_number)} valid {r.valid_from} .. {r.valid_to} "
                  f"(case event {m(r.authorization_event_id)})")
    for e in entries or []:
        out.print(f"  [dim]{e.seq} {m(e.action)} {_t(e.recorded_at)} by {m(e.actor)} ({m(e.role)}) {m(e.hash[:12])}[/]")


def worklist_json(now: dt.datetime, opened: list[OpenItem], pended: list[PendedItem],
                  states: dict[str, list[CaseRecord]]) -> dict[str, Any]:
    return {
        "now": instant(now),
        "open": [{"request_id": i.request.request_id, "case_id": i.request.case_id, "urgency": i.request.urgency,
                  "status": i.request.status, "due_at": _iso(i.request.due_at), "overdue": i.overdue,
                  "due_in_hours": round(i.due_in.total_seconds() / 3600, 2)} for i in opened],
        "pended": [{"request_id": p.request.request_id, "case_id": p.request.case_id,
                    "pended_at": _iso(p.request.pended_at), "age_hours": round(p.age.total_seconds() / 3600, 2)}
                   for p in pended],
        "cases_by_state": {k: [c.case_id for c in v] for k, v in states.items()},
    }


def worklist_text(now: dt.datetime, opened: list[OpenItem], pended: list[PendedItem],
                  states: dict[str, list[CaseRecord]], out: Console) -> None:
    t = Table(title=f"open requests by due time (now {_t(now)})")
    for col in ("request", "case", "urgency", "status", "due", ""):
        t.add_column(col)
    for i in opened:
        r = i.request
        when = f"[red]overdue {_span(i.due_in)}[/]" if i.overdue else f"in {_span(i.due_in)}"
        t.add_row(m(r.request_id), m(r.case_id), m(r.urgency), m(r.status), _t(r.due_at), when)
    out.print(t)
    p = Table(title="pended requests by age")
    for col in ("request", "case", "pended since", "age"):
        p.add_column(col)
    for item in pended:
        p.add_row(m(item.request.request_id), m(item.request.case_id), _t(item.request.pended_at), _span(item.age))
    out.print(p)
    s = Table(title="cases by pathway state")
    for col in ("state", "cases", "ids"):
        s.add_column(col)
    for state, found in states.items():
        ids = ", ".join(c.case_id for c in found[:8]) + (" ..." if len(found) > 8 else "")
        s.add_row(m(state), str(len(found)), m(ids))
    out.print(s)


def metrics_text(figures: dict[str, Figures], out: Console) -> None:
    t = Table(title="prior-authorization metrics (requests received in the window)")
    for col in ("urgency", "received", "decided", "approved", "denied", "pended", "open", "on time",
                "median h", "p90 h"):
        t.add_column(col)

    def pct(x: float | None) -> str:
        return f"{x * 100:.1f}%" if x is not None else "-"

    def num(x: float | None) -> str:
        return f"{x:.1f}" if x is not None else "-"

    for k, f in figures.items():
        t.add_row(m(k), str(f.received), str(f.decided), f"{f.approved} ({pct(f.approval_rate)})",
                  f"{f.denied} ({pct(f.denial_rate)})", f"{f.pended} ({pct(f.pend_rate)})", str(f.open),
                  f"{f.on_time} ({pct(f.on_time_rate)})", num(f.median_hours), num(f.p90_hours))
    out.print(t)
