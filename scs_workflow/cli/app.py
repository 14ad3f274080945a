"""The ``scs-workflow`` command line: a thin layer over the public API.

Exit status (the README's one table; :func:`exit_code_for` is the one mapping): 0 when the
work was done (a denial is a result, not a failure), 2 on bad input (the error goes to
stderr), 1 on any other domain error (an output file that could not be written included),
3 on a version conflict. Text from data is printed through :mod:`scs_workflow.cli.outputs`.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ..engine.decision import Decision, Outcome
from ..engine.pathway import mermaid
from ..model.case import case_schema, load_case
from ..model.errors import (
    CaseError,
    ClaimError,
    ConcurrencyConflict,
    PolicyError,
    RequestError,
    ScsWorkflowError,
    UnknownCode,
)
from ..policy import PolicyLibrary, default_workflows_dir, parse_policy_file, policy_paths
from ..version import __version__
from .common import ServiceDate, Settings, line_options, pass_settings, request_lines
from .outputs import atomic_output, plain
from .outputs import markup as m

INPUT_ERRORS = (PolicyError, CaseError, ClaimError, UnknownCode, RequestError)


def exit_code_for(err: ScsWorkflowError) -> int:
    """The one place domain errors become exit statuses."""
    if isinstance(err, INPUT_ERRORS):
        return 2
    if isinstance(err, ConcurrencyConflict):
        return 3
    return 1


def error_text(err: ScsWorkflowError) -> str:
    """One line when there is one problem (``FILE: what: PLACE: detail``), else one line per problem."""
    if isinstance(err, (PolicyError, CaseError, ClaimError, RequestError)) and len(err.problems) == 1:
        return f"{err.summary}: {err.problems[0]}"
    return str(err)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ScsWorkflowError as err:
            click.echo(f"error: {plain(error_text(err), multiline=True)}", err=True)
            ctx.exit(exit_code_for(err))


@click.group(cls=_Group)
@click.option("--workflows", type=click.Path(path_type=Path, file_okay=False, exists=True),
              envvar="SCS_WORKFLOWS_DIR", help="Policy directory (default: the shipped workflows/).")
@click.version_option(__version__, prog_name="scs-workflow")
@click.pass_context
def main(ctx: click.Context, workflows: Path | None) -> None:
    """Medical-necessity decisions for spinal cord stimulation, explained and cited."""
    ctx.obj = Settings(workflows)


@main.command()
@click.argument("case_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--code", "codes", multiple=True,
              help="CODE[xUNITS][:USE], e.g. 63650x2:permanent; repeatable.")
@click.option("--request", "request_file", type=click.Path(path_type=Path, dir_okay=False),
              help="JSON file of request lines in the claim-line schema: {\"place_of_service\": ..., "
                   "\"lines\": [{\"code\": ..., \"units\": ..., \"use\": ..., ...}]} (or a bare list).")
@line_options
@click.option("--date", "date_", type=ServiceDate(),
              help="Date of service, 1900-01-01 .. 2100-12-31 (default: today, UTC).")
@click.option("--policy", help="Policy id (or ID@VERSION) instead of the case's own.")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@pass_settings
def decide(settings: Settings, case_file: Path, codes: tuple[str, ...], request_file: Path | None,
           place_of_service: str | None, contacts: int | None, region: str | None, waveform: str | None,
           date_: dt.date | None, policy: str | None, as_json: bool) -> None:
    """Decide the request (--code lines and/or --request FILE) for the case in CASE_FILE on a date of service.

    The request is judged as a whole: units summed per code across lines, same-day bundling
    between its lines, place of service, lifetime and per-region counts.
    """
    lines = request_lines(codes, request_file, waveform=waveform, place_of_service=place_of_service,
                          contacts=contacts, region=region)
    case = load_case(case_file)
    day = date_ or dt.datetime.now(dt.UTC).date()
    decision = settings.engine.decide(case, lines, day, policy=policy)
    if as_json:
        click.echo(plain(decision.model_dump_json(indent=2), multiline=True))  # still the same JSON
    else:
        render_decision(decision, Console(width=max(100, Console().width), highlight=False))


_MARK = {"met": "[green]✓[/]", "not_met": "[red]✗[/]", "insufficient": "[yellow]?[/]",
         "not_applicable": "[dim]–[/]"}
_COLOUR = {Outcome.APPROVE: "green", Outcome.PEND: "yellow", Outcome.DENY: "red"}


def render_decision(d: Decision, out: Console) -> None:
    out.print(f"[bold]case {m(d.case_id)}[/] · policy {m(d.policy_id)}@{m(d.policy_version)} · "
              f"date of service {d.date_of_service.isoformat()}")
    out.print(f"pathway state: [bold]{m(d.pathway_state)}[/]")
    table = Table(show_lines=False)
    for col in ("code", "use", "outcome", "clinical review", "why"):
        table.add_column(col)
    for c in d.codes:
        colour = _COLOUR[c.outcome]
        why = c.reasons[0] if c.reasons else c.coding[0].message if c.coding else "every criterion met"
        table.add_row(m(c.code), m(c.use or "-"), f"[{colour}]{c.outcome.value}[/]",
                      "required" if c.requires_clinical_review else "-", m(why))
    out.print(table)
    for c in d.codes:
        out.print(f"\n[bold]{m(c.code)}[/] ({m(c.use or 'refused')}): [{_COLOUR[c.outcome]}]{c.outcome.value}[/]")
        for r in c.reasons:
            out.print(f"  reason: {m(r)}")
        for cr in c.criteria:
            flag = "" if cr.verified else " [dim](unverified)[/]"
            out.print(f"  {_MARK[cr.status.value]} {m(cr.id)}: {m(cr.message)}  [dim]— {m(cr.citation)}[/]{flag}")
        for f in c.coding:
            flag = "" if f.verified else " [dim](unverified)[/]"
            out.print(f"  coding {m(f.edit)} [{_COLOUR[Outcome(f.outcome)]}]{f.outcome}[/]: {m(f.message)}")
            out.print(f"    → {m(f.todo)}  [dim]— {m(f.citation)}[/]{flag}")
        for doc in c.missing_documents:
            out.print(f"  missing: {m(doc)}")
        for step in c.unlock:
            needs = f"; needs {', '.join(step.documents)}" if step.documents else ""
            out.print(f"  to unlock: {m(step.action + needs)}")
    skipped = [h for h in d.history if not h.applied] + d.excluded_events
    for h in skipped:
        out.print(f"[dim]note: event {m(h.event_id or h.event)} ({h.date.isoformat()}) not applied: {m(h.reason)}[/]")


@main.command()
@click.argument("policy_file", type=click.Path(path_type=Path, dir_okay=False))
@pass_settings
def validate(settings: Settings, policy_file: Path) -> None:
    """Check POLICY_FILE: its schema, then what it means (reachability, gates, citations...)."""
    pf, _ = parse_policy_file(policy_file)
    home = settings.workflows or default_workflows_dir()
    others = []  # the rest of the library, for `extends`; the file replaces its own id@version
    for path in policy_paths(home):
        if path.resolve() != policy_file.resolve():
            other, _ = parse_policy_file(path)
            if (other.id, other.version) != (pf.id, pf.version):
                others.append(path)
    lib = PolicyLibrary.from_paths(others + [policy_file])
    pol = lib.get(pf.id, version=pf.version)
    unverified = sum(1 for c in pol.criteria.values() if not c.verified)
    click.echo(f"ok: {plain(pol.key)} ({plain(' <- '.join(pol.lineage))}): {len(pol.criteria)} criteria "
               f"({unverified} unverified), {len(pol.states)} states, {len(pol.transitions)} transitions, "
               f"{len(pol.gates)} gated codes")


@main.command()
@pass_settings
def policies(settings: Settings) -> None:
    """List the policies and versions available."""
    table = Table()
    for col in ("id", "version", "in force", "payer", "extends", "criteria", "unverified"):
        table.add_column(col)
    for p in settings.engine.library.all():
        until = p.effective_to.isoformat() if p.effective_to else "open"
        table.add_row(m(p.id), m(p.version), f"{p.effective_from.isoformat()} .. {until}", m(p.payer),
                      m(p.lineage[1]) if len(p.lineage) > 1 else "-", str(len(p.criteria)),
                      str(sum(1 for c in p.criteria.values() if not c.verified)))
    Console(width=max(100, Console().width)).print(table)


@main.command()
def schema() -> None:
    """Print the JSON Schema of a case file."""
    click.echo(json.dumps(case_schema(), indent=2))


@main.command()
@click.argument("policy")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file instead.")
@pass_settings
def diagram(settings: Settings, policy: str, out: Path | None) -> None:
    """Print POLICY's pathway as a Mermaid state diagram (ID or ID@VERSION)."""
    text = mermaid(settings.engine.library.get(policy))
    if out:
        with atomic_output(out, "w") as fh:  # a failed run leaves the old file (or none)
            fh.write(text)
    else:
        sys.stdout.write(text)
