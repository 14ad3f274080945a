"""``scs-workflow`` commands of the case store: case, request, worklist, metrics, audit, import, export.

Every command takes ``--db`` (a SQLAlchemy URL or a SQLite file; default ``$SCS_DATABASE_URL``,
else ``./scs-workflow.db``). This module imports neither SQLAlchemy nor the store's modules
until a command runs, so ``scs-workflow decide`` starts without them. Errors reach the
core CLI's one mapping to exit statuses (input 2, version conflict 3, other 1).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from ..model.case import parse_case
from ..model.errors import CaseError, Problem, StoreError
from ..model.inputs import FIRST_DAY, LAST_DAY, check_case_size, read_json
from ..store.errors import AuditFailed
from .common import line_options, request_lines
from .outputs import atomic_output, plain
from .outputs import markup as m

if TYPE_CHECKING:
    from ..store.api import CaseStore
    from ..store.cases import Actor
    from ..store.clocks import ClockBook

F = TypeVar("F", bound=Callable[..., Any])


def _db_option(f: F) -> F:
    return click.option("--db", "db", envvar="SCS_DATABASE_URL", metavar="URL|FILE",
                        help="SQLAlchemy URL or SQLite file [env SCS_DATABASE_URL; default ./scs-workflow.db].")(f)


def _actor_options(f: F) -> F:
    f = click.option("--source", default="cli", show_default=True, help="Channel the record came through.")(f)
    f = click.option("--role", envvar="SCS_ROLE", required=True,
                     help="intake, nurse, reviewer, medical_director or system [env SCS_ROLE].")(f)
    return click.option("--actor", envvar="SCS_ACTOR", required=True, help="Who records it [env SCS_ACTOR].")(f)


def _console() -> Console:
    return Console(width=max(100, Console().width), highlight=False)


def _clocks() -> ClockBook:
    from ..store.clocks import load_clocks

    workflows = getattr(click.get_current_context().find_root().obj, "workflows", None)
    local = Path(workflows) / "clocks.yaml" if workflows else None
    return load_clocks(local if local and local.is_file() else None)


def _store(db: str | None) -> CaseStore:
    try:
        from ..store.api import open_store
    except ModuleNotFoundError as err:
        raise StoreError(f"the case store needs {err.name}: pip install 'scs-workflow[store]'") from None

    settings = click.get_current_context().find_root().obj
    # built only when a command decides or replays (list, show and export never pay for it)
    engine = (lambda: settings.engine) if getattr(type(settings), "engine", None) is not None else None
    return open_store(db, engine=engine, clocks=_clocks())


def _actor(actor: str, role: str, source: str) -> Actor:
    from ..store.cases import Actor, check_id

    check_id(actor, "--actor")  # a name, not a document: 1-128 characters, like an id
    check_id(source, "--source")
    return Actor(actor, role, source)


def _instant(text: str | None, book: ClockBook, what: str) -> dt.datetime | None:
    """ISO-8601; a time without an offset is read on the clocks' wall clock."""
    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO-8601 time, e.g. 2026-03-06T23:59", param_hint=what) from None
    _in_range(when.date(), what)
    return when if when.tzinfo else when.replace(tzinfo=book.zone)


def _day(text: str | None, what: str) -> dt.date | None:
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=what) from None
    return _in_range(day, what)


def _in_range(day: dt.date, what: str) -> dt.date:
    """Dates and times given to the store lie in the date-of-service range (clocks add days to them)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise click.BadParameter(f"{day.isoformat()} is outside {FIRST_DAY.isoformat()} .. {LAST_DAY.isoformat()}",
                                 param_hint=what)
    return day


def _read_json(path: str, what: str) -> Any:
    return read_json(path, CaseError, what)  # the one JSON reader: size, depth, UTF-8; "-" is stdin


def _echo(text: str) -> None:
    """Print a line made from data: control and bidi characters made visible."""
    click.echo(plain(text))


def _stamp(when: dt.datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M %Z") if when else "-"


# --- case ----------------------------------------------------------------------------------


@click.group("case")
def case_group() -> None:
    """Cases kept as append-only, hash-chained event logs."""


@case_group.command("new")
@click.argument("case_id", required=False)
@click.option("--file", "case_file", type=click.Path(path_type=Path, dir_okay=False),
              help="A case JSON file: its header opens the case and its events are appended in order.")
@click.option("--patient-ref", help="Pseudonymous reference (never a name or member id).")
@click.option("--policy", help="Payer policy id, e.g. medicare, aetna, cigna.")
@click.option("--diagnosis", "diagnoses", multiple=True, help="ICD-10-CM code; repeatable.")
@_actor_options
@_db_option
def case_new(case_id: str | None, case_file: Path | None, patient_ref: str | None, policy: str | None,
             diagnoses: tuple[str, ...], actor: str, role: str, source: str, db: str | None) -> None:
    """Open a case (CASE_ID with --patient-ref/--policy, or --file); idempotent."""
    from ..store.cases import Incoming

    by = _actor(actor, role, source)
    events: list[Any] = []
    if case_file is not None:
        data = _read_json(str(case_file), "the case file")
        if not isinstance(data, dict):
            raise CaseError(f"{case_file}: a case file is a JSON object")
        check_case_size(data, str(case_file))
        case_id = case_id or data.get("case_id")
        patient_ref, policy = patient_ref or data.get("patient_ref"), policy or data.get("policy")
        dx = data.get("diagnoses") or []
        events = data.get("events") or []
    else:
        dx = [{"code": d} for d in diagnoses]
    if not case_id or not patient_ref or not policy:
        raise click.UsageError("give CASE_ID, --patient-ref and --policy (or a --file that has them)")
    if case_file is not None:  # the whole file is checked before anything is written
        parse_case({**data, "case_id": case_id, "patient_ref": patient_ref, "policy": policy, "diagnoses": dx,
                    "events": events}, str(case_file))
    store = _store(db)
    before = store.find(case_id, refresh=False)
    head = store.create_case(case_id, patient_ref=patient_ref, policy=policy, diagnoses=dx, by=by,
                             events=[Incoming(e, by) for e in events])  # header and events: one transaction
    if events:
        recorded = head.version - (before.version if before is not None else 0)
        _echo(f"case {case_id}: {recorded} of {len(events)} event(s) recorded")
    _echo(f"case {case_id} at version {head.version}, pathway state {head.state or '-'}")


@case_group.command("add")
@click.argument("case_id")
@click.argument("event_file", metavar="EVENT_JSON")
@click.option("--expect-version", type=int, help="The case version you read; a newer case is a conflict (exit 3).")
@_actor_options
@_db_option
def case_add(case_id: str, event_file: str, expect_version: int | None, actor: str, role: str, source: str,
             db: str | None) -> None:
    """Append the event in EVENT_JSON (a file, or - for stdin) to CASE_ID."""
    event = _read_json(event_file, "the event")
    if not isinstance(event, dict):
        raise CaseError(f"{event_file}: invalid event", [Problem("$", "an event is a JSON object")])
    res = _store(db).append(case_id, event, by=_actor(actor, role, source), expected_version=expect_version)
    rec = res.record
    if res.created:
        _echo(f"case {case_id}: event {rec.event_id} recorded as seq {rec.seq}; version {res.version}")
    else:
        _echo(f"case {case_id}: event {rec.event_id} was already recorded as seq {rec.seq} "
                   f"(by {rec.actor}, {_stamp(rec.recorded_at)}); nothing written; version {res.version}")


@case_group.command("show")
@click.argument("case_id")
@click.option("--json", "as_json", is_flag=True, help="Print the case, its log and its requests as JSON.")
@_db_option
def case_show(case_id: str, as_json: bool, db: str | None) -> None:
    """Show a case: its pathway state, its history and its requests' decisions."""
    from . import store_render as render

    store = _store(db)
    head, events, reqs = store.get(case_id), store.events(case_id), store.requests.all(case_id=case_id)
    if as_json:
        click.echo(json.dumps(render.case_json(head, events, reqs), indent=2, sort_keys=True))
    else:
        render.case_text(head, events, reqs, _console())


@case_group.command("rebuild")
@click.argument("case_ids", nargs=-1)
@_db_option
def case_rebuild(case_ids: tuple[str, ...], db: str | None) -> None:
    """Recompute the cached pathway state from the log (all cases without CASE_IDS)."""
    for case_id, before, after in _store(db).rebuild(case_ids or None):
        change = f"{before} -> {after}" if before != after else f"{after} (unchanged)"
        _echo(f"case {case_id}: {change}")


@case_group.command("list")
@_db_option
def case_list(db: str | None) -> None:
    """List the cases with their version and pathway state."""
    table = Table()
    for col in ("case", "policy", "version", "state", "updated"):
        table.add_column(col)
    for c in _store(db).list_cases():
        table.add_row(m(c.case_id), m(c.policy), str(c.version), m(c.state or "-"), _stamp(c.updated_at))
    _console().print(table)


# --- request -------------------------------------------------------------------------------


@click.group("request")
def request_group() -> None:
    """Authorization requests: received -> pended -> decided, with their clocks."""


@request_group.command("new")
@click.argument("case_id")
@click.option("--code", "codes", multiple=True, help="CODE[xUNITS][:USE], e.g. 63650x2:permanent; repeatable.")
@click.option("--request", "request_file", type=click.Path(path_type=Path, dir_okay=False),
              help="JSON file of request lines in the claim-line schema (as for `decide --request`).")
@line_options
@click.option("--urgency", type=click.Choice(["standard", "expedited"]), default="standard", show_default=True)
@click.option("--received-at", help="When the request was received (ISO-8601; default now).")
@click.option("--date-of-service", "dos", help="Planned date of service (default: the day received).")
@click.option("--clock", "clocks", multiple=True, help="Clock rule set (repeatable; the earliest due wins). "
              "Default: by the case's policy in clocks.yaml.")
@click.option("--request-id", help="Your id for the request (an idempotency key); default a new one.")
@click.option("--auto-approve", is_flag=True, help="Approve (as role system) when every code is recommended approve.")
@click.option("--auth-number", help="Authorization number for an automatic approval (default AUTH-<request id>).")
@_actor_options
@_db_option
def request_new(case_id: str, codes: tuple[str, ...], request_file: Path | None, place_of_service: str | None,
                contacts: int | None, region: str | None, waveform: str | None, urgency: str,
                received_at: str | None, dos: str | None,
                clocks: tuple[str, ...], request_id: str | None, auto_approve: bool, auth_number: str | None,
                actor: str, role: str, source: str, db: str | None) -> None:
    """Record an authorization request on CASE_ID: its due time and the engine's recommendation."""
    from . import store_render as render

    lines = request_lines(codes, request_file, waveform=waveform, place_of_service=place_of_service,
                          contacts=contacts, region=region)
    store = _store(db)
    when = _instant(received_at, store.clocks, "--received-at")  # None: now, and a replay matches any time
    req = store.requests.new(case_id, lines, urgency=urgency, received_at=when,
                             by=_actor(actor, role, source), date_of_service=_day(dos, "--date-of-service"),
                             clocks=clocks, request_id=request_id, auto_approve=auto_approve, auth_number=auth_number)
    render.request_text(req, _console())


@request_group.command("decide")
@click.argument("request_id")
@click.option("--outcome", type=click.Choice(["approve", "deny", "pend"]), required=True)
@click.option("--rationale", help="Why: required for a denial, and for an approval against the recommendation.")
@click.option("--auth-number", help="The authorization number (or Medicare OPD UTN) of an approval.")
@click.option("--valid-from", help="First day the approval is valid (default: the decision day).")
@click.option("--valid-to", help="Last day it is valid (default: from clocks.yaml, e.g. 120 days for an OPD UTN).")
@click.option("--at", "at", help="When the decision was made (ISO-8601; default now).")
@_actor_options
@_db_option
def request_decide(request_id: str, outcome: str, rationale: str | None, auth_number: str | None,
                   valid_from: str | None, valid_to: str | None, at: str | None, actor: str, role: str, source: str,
                   db: str | None) -> None:
    """Pend, approve or deny REQUEST_ID (a denial needs a reviewer and a rationale)."""
    from . import store_render as render

    store = _store(db)
    req = store.requests.decide(request_id, outcome, by=_actor(actor, role, source), rationale=rationale,
                                auth_number=auth_number, valid_from=_day(valid_from, "--valid-from"),
                                valid_to=_day(valid_to, "--valid-to"), at=_instant(at, store.clocks, "--at"))
    render.request_text(req, _console())


@request_group.command("show")
@click.argument("request_id")
@click.option("--json", "as_json", is_flag=True, help="Print the request and its log as JSON.")
@_db_option
def request_show(request_id: str, as_json: bool, db: str | None) -> None:
    """Show a request, its clock, its recommendation and its log."""
    from . import store_render as render

    store = _store(db)
    req, entries = store.requests.get(request_id), store.requests.log(request_id)
    if as_json:
        click.echo(json.dumps(render.request_json(req, entries), indent=2, sort_keys=True))
    else:
        render.request_text(req, _console(), entries)


# --- worklist, metrics -----------------------------------------------------------------------


@click.command("worklist")
@click.option("--now", "now_text", help="Judge due times at this instant (ISO-8601; default now).")
@click.option("--json", "as_json", is_flag=True)
@_db_option
def worklist(now_text: str | None, as_json: bool, db: str | None) -> None:
    """Open requests by due time (overdue first), pended requests by age, cases by pathway state."""
    from ..store.worklist import cases_by_state, open_requests, pended_requests
    from . import store_render as render

    store = _store(db)
    now = _instant(now_text, store.clocks, "--now") or store.now()
    opened, pended, states = open_requests(store, now), pended_requests(store, now), cases_by_state(store)
    if as_json:
        click.echo(json.dumps(render.worklist_json(now, opened, pended, states), indent=2, sort_keys=True))
    else:
        render.worklist_text(now, opened, pended, states, _console())


@click.command("metrics")
@click.option("--since", help="Count requests received on or after this day (YYYY-MM-DD).")
@click.option("--until", help="... and before this day.")
@click.option("--json", "as_json", is_flag=True)
@_db_option
def metrics(since: str | None, until: str | None, as_json: bool, db: str | None) -> None:
    """Approval, denial and pend rates and median / p90 turnaround by urgency (CMS-0057-F reporting)."""
    from ..store.worklist import metrics as compute
    from . import store_render as render

    store = _store(db)
    start, end = _day(since, "--since"), _day(until, "--until")
    figures = compute(store, since=_midnight(start, store.clocks), until=_midnight(end, store.clocks))
    if as_json:
        click.echo(json.dumps({k: v.as_json() for k, v in figures.items()}, indent=2, sort_keys=True))
    else:
        render.metrics_text(figures, _console())


def _midnight(day: dt.date | None, book: ClockBook) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), tzinfo=book.zone) if day else None


# --- audit, import, export ---------------------------------------------------------------------


@click.group("audit")
def audit_group() -> None:
    """Prove the audit trail: nothing edited, reordered or deleted."""


@audit_group.command("verify")
@click.argument("case_ids", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON report per case and request, with head hashes.")
@_db_option
def audit_verify(case_ids: tuple[str, ...], as_json: bool, db: str | None) -> None:
    """Recompute every hash chain (all cases without CASE_IDS); exit 1 on any break."""
    from ..store.audit import verify

    reports = verify(_store(db), case_ids or None)
    bad = [r for r in reports if not r.ok]
    if as_json:
        click.echo(json.dumps([r.as_json() for r in reports], indent=2, sort_keys=True))
    else:
        for r in reports:
            status = "ok" if r.ok else "BROKEN"
            _echo(f"{r.kind} {r.id}: {status} ({r.records} records, head {r.head_hash[:12]})")
            for f in r.findings:
                _echo(f"  {f}")
    if bad:
        raise AuditFailed(f"{len(bad)} of {len(reports)} logs do not verify: "
                          + ", ".join(f"{r.kind} {r.id}" for r in bad))


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--batch-size", type=click.IntRange(min=1), default=100, show_default=True,
              help="Events per transaction (consecutive lines of one case).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@_actor_options
@_db_option
def import_cmd(file: Path, batch_size: int, progress: bool | None, actor: str, role: str, source: str,
               db: str | None) -> None:
    """Import cases and events from JSON Lines (idempotent; re-run to resume)."""
    from ..store.transfer import import_jsonl

    show = sys.stderr.isatty() if progress is None else progress
    src = source if source != "cli" else f"import:{file.name}"
    s = import_jsonl(_store(db), file, by=_actor(actor, role, src), batch_size=batch_size, progress=show)
    _echo(f"imported {file}: {s.lines} lines; cases {s.cases_created} new, {s.cases_existing} existing; "
               f"events {s.events_created} new, {s.events_existing} already stored")


@click.command("export")
@click.option("--case", "case_ids", multiple=True, help="Only this case (repeatable).")
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout.")
@_db_option
def export_cmd(case_ids: tuple[str, ...], out: Path | None, db: str | None) -> None:
    """Export cases and their events as JSON Lines (the format `import` reads)."""
    from ..store.transfer import export_jsonl

    store = _store(db)
    if out is None:
        export_jsonl(store, sys.stdout, list(case_ids) or None)
        return
    with atomic_output(out, "w") as fh:  # a failed export leaves the old file (or none)
        n = export_jsonl(store, fh, list(case_ids) or None)
    click.echo(f"exported {n} lines to {plain(out)}")


def commands() -> list[click.Command]:
    """The store's commands, for ``scs_workflow.cli`` to add to ``scs-workflow``."""
    return [case_group, request_group, worklist, metrics, audit_group, import_cmd, export_cmd]
