"""``scs-workflow check-claim CASE.json CLAIM.json [--json]``: the claim check on the command line.

Exit status as for ``decide``: 0 when the claim was checked (a denied line is a result),
2 on bad input (case, claim, unknown code), 1 on any other domain error.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ..claims.claim import ClaimResult, check_claim, load_claim
from ..engine.decision import Outcome
from ..model.case import load_case
from .outputs import markup as m
from .outputs import plain

_COLOUR = {Outcome.APPROVE: "green", Outcome.PEND: "yellow", Outcome.DENY: "red"}
#: what the gate column says for a line without a gate
_NO_GATE = {"em": "E/M", "supply": "supply", "imaging_guidance": "imaging"}


@click.command("check-claim")
@click.argument("case_file", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("claim_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--policy", help="Policy id (or ID@VERSION) instead of the case's own.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def check_claim_command(ctx: click.Context, case_file: Path, claim_file: Path, policy: str | None,
                        as_json: bool) -> None:
    """Check the lines of CLAIM_FILE against the case in CASE_FILE: gate, coding edits, authorization."""
    case = load_case(case_file)
    claim = load_claim(claim_file)
    result = check_claim(case, claim, ctx.obj.engine, policy=policy)
    if as_json:
        click.echo(plain(result.model_dump_json(indent=2), multiline=True))  # bidi characters as JSON escapes
    else:
        render_claim(result, Console(width=max(120, Console().width), highlight=False))


def render_claim(r: ClaimResult, out: Console) -> None:
    colour = _COLOUR[r.outcome]
    out.print(f"[bold]claim {m(r.claim_id or '-')}[/] · case {m(r.case_id)} · policy {m(r.policy_id)}@"
              f"{m(r.policy_version)} · date of service {r.date_of_service.isoformat()} · pathway state "
              f"[bold]{m(r.pathway_state)}[/] · "
              f"claim [{colour}]{r.outcome.value}[/]")
    table = Table()
    for col in ("line", "code", "units", "mods", "POS", "gate", "outcome"):
        table.add_column(col)
    table.add_column("edits fired", no_wrap=True)
    table.add_column("to do")
    for ln in r.lines:
        gate = ln.gate.outcome.value if ln.gate else _NO_GATE.get(ln.family, "-")
        findings = ln.edits + ln.reconciliation
        todo = list(dict.fromkeys(f.todo for f in findings))
        if ln.requires_clinical_review:
            todo.append("clinical review")
        table.add_row(str(ln.line), m(ln.code), str(ln.units), m(",".join(ln.modifiers) or "-"),
                      m(ln.place_of_service or "-"), gate, f"[{_COLOUR[ln.outcome]}]{ln.outcome.value}[/]",
                      "\n".join(m(f.edit) for f in findings) or "-", "\n".join(m(t) for t in todo) or "-")
    out.print(table)
    for ln in r.lines:
        review = " · clinical review required" if ln.requires_clinical_review else ""
        out.print(f"\n[bold]line {ln.line} {m(ln.code)}[/]: [{_COLOUR[ln.outcome]}]{ln.outcome.value}[/]{review}")
        if ln.gate is not None:
            use = f" ({m(ln.gate.use)})" if ln.gate.use else ""
            why = f": {m(ln.gate.reasons[0])}" if ln.gate.reasons else ""
            out.print(f"  gate{use}: {ln.gate.outcome.value}{why}")
        for label, findings in (("edit", ln.edits), ("authorization", ln.reconciliation)):
            for f in findings:
                flag = "" if f.verified else " [dim](unverified)[/]"
                out.print(f"  {label} {m(f.edit)} [{_COLOUR[Outcome(f.outcome)]}]{f.outcome}[/]: {m(f.message)}")
                out.print(f"    → {m(f.todo)}  [dim]— {m(f.citation)}[/]{flag}")
    if r.edits_switched_off:
        out.print(f"\n[dim]switched off in this policy: {m(', '.join(r.edits_switched_off))}[/]")
