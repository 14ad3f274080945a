"""Payer policies: the YAML schema (:mod:`.schema`), safe YAML reading (:mod:`.reader`), the library of
versions and ``extends`` (:mod:`.library`), the checks a merged policy must pass (:mod:`.checks`), the
criteria language (:mod:`.criteria`), the claim-line edit schema (:mod:`.edits`) and the code catalog
(:mod:`.codes`).

Depends on :mod:`scs_workflow.model` only; the engine reads what this package loads.
"""

from __future__ import annotations

from .library import PolicyLibrary, policy_paths
from .reader import read_yaml
from .schema import (
    PARAMETER_KINDS,
    Confidence,
    CriterionDef,
    GateUse,
    Policy,
    PolicyFile,
    StateDef,
    TransitionDef,
    check_parameter,
    default_workflows_dir,
    field_path,
    line_of,
    merge,
    parameter_kind,
    parse_policy_file,
    source_ids,
)

__all__ = [
    "PARAMETER_KINDS", "Confidence", "CriterionDef", "GateUse", "Policy", "PolicyFile", "PolicyLibrary", "StateDef",
    "TransitionDef",
    "check_parameter", "default_workflows_dir", "field_path", "line_of", "merge", "parameter_kind",
    "parse_policy_file", "policy_paths", "read_yaml", "source_ids",
]
