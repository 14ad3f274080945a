"""scs-workflow: medical-necessity decisions for spinal cord stimulation, explained and cited.

>>> import datetime as dt
>>> from scs_workflow import ServiceLine, decide, load_case
>>> case = load_case("examples/fbss-strong-trial.json")
>>> at_asc = {"place_of_service": "asc"}   # Medicare pays a permanent implant only in an ASC or a hospital
>>> request = [ServiceLine(code="63650", units=2, use="permanent", **at_asc), ServiceLine(code="63685", **at_asc)]
>>> decision = decide(case, request, dt.date(2026, 6, 15))
>>> [(c.code, c.outcome.value) for c in decision.codes]
[('63650', 'approve'), ('63685', 'approve')]
>>> [f.edit for f in decide(case, ["63650x2:permanent"], dt.date(2026, 6, 15)).codes[0].coding]
['permanent_implant_in_facility']
"""

from __future__ import annotations

from .claims import Claim, ClaimResult, check_claim, load_claim
from .engine.decision import CodeDecision, CriterionResult, Decision, Engine, Outcome, decide
from .model.case import Case, case_schema, load_case, parse_case
from .model.errors import (
    CaseError,
    ClaimError,
    ConcurrencyConflict,
    NotFound,
    PermissionDenied,
    PolicyError,
    PolicyNotFound,
    RequestError,
    ScsWorkflowError,
    StoreError,
    UnknownCode,
)
from .model.service import ServiceLine
from .policy import Policy, PolicyLibrary
from .version import __version__ as __version__

__all__ = [
    "Case",
    "CaseError",
    "Claim",
    "ClaimError",
    "ClaimResult",
    "CodeDecision",
    "ConcurrencyConflict",
    "CriterionResult",
    "Decision",
    "Engine",
    "NotFound",
    "Outcome",
    "PermissionDenied",
    "Policy",
    "PolicyError",
    "PolicyLibrary",
    "PolicyNotFound",
    "RequestError",
    "ScsWorkflowError",
    "ServiceLine",
    "StoreError",
    "UnknownCode",
    "case_schema",
    "check_claim",
    "decide",
    "load_case",
    "load_claim",
    "parse_case",
]
