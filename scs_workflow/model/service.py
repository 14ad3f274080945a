"""A requested or billed service: one code with its units and context."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from .case import STRICT, Region, Setting, Waveform, problems_from
from .errors import RequestError
from .inputs import read_json


class ServiceLine(BaseModel):
    """One code asked for on a date of service (a PA request item or a claim line)."""

    model_config = STRICT  # as the case: "2" is not a number of units, true is not text

    code: str
    use: str | None = Field(None, description="what the code is for, e.g. 63650 trial or permanent; "
                            "None lets the pathway state decide")
    units: Annotated[int, Field(ge=1)] = 1
    contacts: Annotated[int, Field(ge=0)] | None = Field(None, description="electrode contacts placed")
    region: Region | None = Field(None, description="spinal region of a trial or lead placement")
    waveform: Waveform | None = Field(None, description="stimulation mode of the device")
    modifiers: list[str] = []
    place_of_service: Setting | None = None
    rendering_provider: str | None = None
    diagnosis: str | None = Field(None, description="the ICD-10 code linked to this line")
    # claim lines (scs_workflow/claims/claim.py): what a line concerns, for the same-array/pocket/session edits
    array: str | None = Field(None, description="the electrode array (lead) the line concerns")
    pocket: str | None = Field(None, description="the generator pocket the line concerns")
    session: str | None = Field(None, description="the analysis/programming session; lines without one share it")

    @field_validator("code", mode="before")
    @classmethod
    def _code_text(cls, v: Any) -> Any:
        """YAML and JSON writers often give 63650 as a number; codes are text."""
        return str(v).strip().upper() if isinstance(v, (int, str)) else v

    @field_validator("modifiers", mode="before")
    @classmethod
    def _modifier_text(cls, v: Any) -> Any:
        """Modifiers are text too: 58, "58" and " xs" are "58", "58" and "XS"."""
        return [str(m).strip().upper() if isinstance(m, (int, str)) else m for m in v] if isinstance(v, list) else v


    @classmethod
    def parse(cls, text: str, **extra: Any) -> ServiceLine:
        """``63650``, ``63650x2`` (two units) or ``63650x2:permanent`` (and what it is for);
        HCPCS Level II codes too (``L8680x16``)."""
        m = _NOTATION.match(text.strip())
        if m is None:
            raise RequestError(f"{text!r}: write CODE[xUNITS][:USE], e.g. 63650x2:permanent")
        try:
            return cls(code=m["code"], units=int(m["units"] or 1), use=m["use"], **extra)
        except ValidationError as err:
            raise RequestError(f"{text!r}: {err.errors()[0]['msg']}") from None


_NOTATION = re.compile(r"^(?P<code>[0-9]{4}[0-9A-Za-z]|[A-Za-z][0-9]{4})"  # CPT, or HCPCS Level II (L8680)
                       r"(?:[xX](?P<units>[0-9]+))?(?::(?P<use>[a-z_]+))?$")


def as_lines(codes: Sequence[str | ServiceLine]) -> list[ServiceLine]:
    """Accept ``"63650x2:permanent"`` notation where a line with defaults will do."""
    return [c if isinstance(c, ServiceLine) else ServiceLine.parse(str(c)) for c in codes]


class ServiceRequest(BaseModel):
    """A PA request's lines, as a file: the claim-line schema, with a place of service for every line
    that does not state its own (``scs-workflow decide --request FILE``)."""

    model_config = STRICT

    place_of_service: Setting | None = Field(None, description="for every line that does not give its own")
    lines: list[ServiceLine] = Field(min_length=1)

    def service_lines(self) -> list[ServiceLine]:
        return [ln if ln.place_of_service or not self.place_of_service
                else ln.model_copy(update={"place_of_service": self.place_of_service}) for ln in self.lines]


def parse_request(data: Any, source: str = "request") -> list[ServiceLine]:
    """``{"place_of_service": ..., "lines": [...]}`` or a bare list of lines; problems name their JSON path."""
    if isinstance(data, list):
        data = {"lines": data}
    try:
        return ServiceRequest.model_validate(data).service_lines()
    except ValidationError as err:
        raise RequestError(f"{source}: invalid request", problems_from(err)) from None


def load_request(path: str | Path) -> list[ServiceLine]:
    """Read a request file (JSON, through the one reader with its limits) into its service lines."""
    return parse_request(read_json(path, RequestError, "request"), str(path))
