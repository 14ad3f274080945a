"""The SCS code family: which codes the engine knows and which it refuses outright.

Most codes are *procedures* with a pathway gate: a PA request or a claim line of them is
judged for medical necessity. Two families are *claim-only* (``gated: false``): device
supplies (``supply``: the HCPCS C- and L-codes of the leads, generators and external
components) and imaging guidance (``imaging_guidance``: fluoroscopy). They have no gate;
on a claim the policy's edits judge them, and a PA request cannot name them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..model.case import Setting
from ..model.errors import ClaimOnlyCode, PolicyError, Problem, UnknownCode
from .schema import default_workflows_dir, field_path, line_of, read_yaml


class Supply(BaseModel):
    """What a device supply code supplies, how its units count, and the claims that use it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: Literal["lead", "generator", "receiver", "programmer", "external_components", "extension"] = Field(
        description="what it supplies; codes of one item in other settings are its counterparts")
    unit: Literal["contact", "lead", "device"] = Field(
        description="one unit is one electrode contact, one lead (array), or one device")
    settings: list[Setting] = Field(min_length=1, description="the places of service whose claims use this code")


class CodeInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    descriptor: str = Field(description="paraphrased; official CPT/HCPCS text is licensed")
    family: Literal["leads", "paddle", "generator", "removal", "revision", "programming",
                    "integrated", "sacral", "supply", "imaging_guidance"]
    in_pathway: bool = True
    gated: bool = Field(True, description="False: a claim-only line (supply, imaging guidance) judged by "
                                          "the edits alone; a PA request cannot name it")
    refusal: str | None = Field(None, description="why a code outside the pathway is refused")
    supply: Supply | None = Field(None, description="for a device supply code (family supply)")
    cite: str | None = None
    confidence: Literal["S", "S2", "M", "D"] | None = None
    verified: bool | None = None

    @model_validator(mode="after")
    def _supply_fields(self) -> CodeInfo:
        if (self.family == "supply") != (self.supply is not None):
            raise ValueError("a supply code (and only a supply code) gives `supply`")
        if self.family in ("supply", "imaging_guidance") and self.gated:
            raise ValueError(f"a {self.family} code has no pathway gate: give `gated: false`")
        if self.confidence in ("S2", "M") and self.verified:
            raise ValueError(f"confidence {self.confidence} cannot be verified: true")
        return self


class CodeCatalog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["code-catalog"]
    version: str
    codes: dict[str, CodeInfo]

    @field_validator("codes", mode="before")
    @classmethod
    def _str_keys(cls, v: object) -> object:
        return {str(k): x for k, x in v.items()} if isinstance(v, dict) else v

    def entry(self, code: str) -> CodeInfo:
        """Any code's entry (a claim line's); an unknown code is an input error, not a denial."""
        info = self.codes.get(code)
        if info is None:
            raise UnknownCode(code)
        return info

    def lookup(self, code: str) -> CodeInfo:
        """The entry of a code a PA request may name: unknown and claim-only codes are input errors."""
        info = self.entry(code)
        if not info.gated:
            raise ClaimOnlyCode(code, info.family)
        return info


def load_catalog(path: Path) -> CodeCatalog:
    data, node = read_yaml(path)
    try:
        return CodeCatalog.model_validate(data)
    except ValidationError as err:
        problems = [Problem(f"{path}:{line_of(node, e['loc'])}", f"{field_path(e['loc'])}: {e['msg']}")
                    for e in err.errors()]
        raise PolicyError(f"{path}: invalid code catalog", problems) from None


@lru_cache(maxsize=1)
def default_catalog() -> CodeCatalog:
    return load_catalog(default_workflows_dir() / "codes.yaml")
