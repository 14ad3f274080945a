"""A requested or billed service: one code with its units and context."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .case import Region, Setting, Waveform


class ServiceLine(BaseModel):
    """One code asked for on a date of service (a PA request item or a claim line)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    units: Annotated[int, Field(ge=1)] = 1
    contacts: Annotated[int, Field(ge=0)] | None = Field(None, description="electrode contacts placed")
    region: Region | None = Field(None, description="spinal region of a trial or lead placement")
    waveform: Waveform | None = Field(None, description="stimulation mode of the device")
    modifiers: list[str] = []
    place_of_service: Setting | None = None
    rendering_provider: str | None = None
    diagnosis: str | None = Field(None, description="the ICD-10 code linked to this line")

    @field_validator("code", mode="before")
    @classmethod
    def _code_text(cls, v: Any) -> Any:
        """YAML and JSON writers often give 63650 as a number; codes are text."""
        return str(v).strip().upper() if isinstance(v, (int, str)) else v


def as_lines(codes: "list[str | ServiceLine] | tuple[str | ServiceLine, ...]") -> list[ServiceLine]:
    """Accept plain code strings where a line with defaults will do."""
    return [c if isinstance(c, ServiceLine) else ServiceLine(code=str(c).strip().upper()) for c in codes]
