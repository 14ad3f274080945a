"""The SCS code family: which codes the engine knows and which it refuses outright."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import PolicyError, Problem, UnknownCode
from .policy import default_workflows_dir, field_path, line_of, read_yaml


class CodeInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    descriptor: str = Field(description="paraphrased; official CPT text is AMA-licensed")
    family: Literal["leads", "paddle", "generator", "removal", "revision", "programming",
                    "integrated", "sacral"]
    in_pathway: bool = True
    refusal: str | None = Field(None, description="why a code outside the pathway is refused")
    cite: str | None = None


class CodeCatalog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["code-catalog"]
    version: str
    codes: dict[str, CodeInfo]

    @field_validator("codes", mode="before")
    @classmethod
    def _str_keys(cls, v: object) -> object:
        return {str(k): x for k, x in v.items()} if isinstance(v, dict) else v

    def lookup(self, code: str) -> CodeInfo:
        """The code's entry; an unknown code is an input error, not a denial."""
        info = self.codes.get(code)
        if info is None:
            raise UnknownCode(code)
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
