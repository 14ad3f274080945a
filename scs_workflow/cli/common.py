"""What the command-line modules share: the global :class:`Settings` (``--workflows``, the engine),
:func:`parse_code` (``63650x2:permanent``), :func:`line_options` (the facts of a requested service line)
and the :class:`ServiceDate` option type.

The commands live in their own modules (``app``: decide, validate, policies, schema, diagram; ``batch``;
``synth``; ``claim``: check-claim; ``store``: the case store's commands) and ``cli/__init__.py`` assembles
them into one ``scs-workflow`` group; nothing here imports a command module.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import click

from ..engine.decision import Engine
from ..model.case import Region, Setting, Waveform
from ..model.errors import RequestError
from ..model.inputs import FIRST_DAY, LAST_DAY
from ..model.service import ServiceLine, load_request
from ..policy import PolicyLibrary


class Settings:
    def __init__(self, workflows: Path | None) -> None:
        self.workflows = workflows
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            lib = PolicyLibrary.from_dir(self.workflows) if self.workflows else None
            self._engine = Engine(library=lib)
        return self._engine


pass_settings = click.make_pass_decorator(Settings)


def parse_code(text: str, waveform: str | None = None, **facts: Any) -> ServiceLine:
    """``63650``, ``63650x2`` (two units) or ``63650x2:permanent`` (and what it is for), with the line's facts
    (``place_of_service``, ``contacts``, ``region``...) that are not None."""
    try:
        return ServiceLine.parse(text, waveform=waveform, **{k: v for k, v in facts.items() if v is not None})
    except RequestError as err:
        raise click.BadParameter(str(err)) from None


if TYPE_CHECKING:  # click >= 8.2 makes ParamType generic; 8.1 does not
    _DateParam = click.ParamType[dt.date, Any]
else:
    _DateParam = click.ParamType


class ServiceDate(_DateParam):
    """A ``YYYY-MM-DD`` option in the date-of-service range; click reports a bad one (exit 2)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            day = value
        else:
            try:
                day = dt.date.fromisoformat(str(value))
            except ValueError:
                self.fail(f"{value!r} is not a date (YYYY-MM-DD)", param, ctx)
        if not FIRST_DAY <= day <= LAST_DAY:
            self.fail(f"{day.isoformat()} is outside {FIRST_DAY.isoformat()} .. {LAST_DAY.isoformat()}", param, ctx)
        return day


def request_lines(codes: tuple[str, ...], request_file: Path | None, *, waveform: str | None,
                  place_of_service: str | None, contacts: int | None, region: str | None) -> list[ServiceLine]:
    """The request's lines: each --code with the line options, then the lines of --request FILE."""
    if not codes and request_file is None:
        raise click.UsageError("give at least one --code or a --request FILE")
    lines = [parse_code(c, waveform, place_of_service=place_of_service, contacts=contacts, region=region)
             for c in codes]
    if request_file is not None:
        lines += load_request(request_file)
    return lines


def line_options(fn: Any) -> Any:
    """The facts of a service line, stated on the command line for every --code line."""
    for option in reversed([
        click.option("--place-of-service", "place_of_service",
                     type=click.Choice(get_args(Setting)),
                     help="Where the service is to be performed (every --code line)."),
        click.option("--contacts", type=click.IntRange(min=0), help="Electrode contacts (every --code line)."),
        click.option("--region", type=click.Choice(get_args(Region)),
                     help="Spinal region of the trial or leads (every --code line)."),
        click.option("--waveform", type=click.Choice(get_args(Waveform)),
                     help="Stimulation mode of the requested device (every --code line)."),
    ]):
        fn = option(fn)
    return fn
