"""The public API is small and pinned: changing it is a decision, not an accident."""

from __future__ import annotations

import doctest

import scs_workflow


def test_public_names():
    assert sorted(scs_workflow.__all__) == [
        "Case", "CaseError", "Claim", "ClaimError", "ClaimResult", "CodeDecision", "ConcurrencyConflict",
        "CriterionResult", "Decision", "Engine", "NotFound", "Outcome", "PermissionDenied", "Policy", "PolicyError",
        "PolicyLibrary", "PolicyNotFound", "RequestError", "ScsWorkflowError", "ServiceLine", "StoreError",
        "UnknownCode", "case_schema", "check_claim", "decide", "load_case", "load_claim", "parse_case",
    ]
    for name in scs_workflow.__all__:
        assert getattr(scs_workflow, name) is not None


def test_package_docstring_example_runs():
    failures, tried = doctest.testmod(scs_workflow)
    assert tried > 0 and failures == 0


def test_every_error_has_a_stable_code():
    from scs_workflow.model import errors

    codes = {cls.code for cls in vars(errors).values()
             if isinstance(cls, type) and issubclass(cls, errors.ScsWorkflowError)}
    assert len(codes) >= 10 and all(c and c.replace("_", "").isalpha() for c in codes)
