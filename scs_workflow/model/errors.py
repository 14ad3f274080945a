"""Errors raised by scs-workflow.

Every error derives from :class:`ScsWorkflowError` and carries a stable ``code``
that the CLI (and later the HTTP API) maps to an exit status or problem type::

    ScsWorkflowError
    ├── PolicyError                 a workflow YAML is malformed or means something impossible
    │   └── PolicyNotFound          no policy with that id / in force on that date
    ├── CaseError                   a case file fails validation (``.errors`` lists JSON paths)
    ├── UnknownCode                 a requested code is not in the code catalog (input error)
    ├── RequestError                a request names a use its code does not have (input error)
    │   └── ClaimOnlyCode           a request names a device supply or imaging code (claim-only)
    ├── StoreError                  the case store failed (see scs_workflow.store)
    │   ├── ConcurrencyConflict     an append expected a stale case version
    │   ├── NotFound                no such case / request
    │   └── PermissionDenied        an action needs a role the actor lacks
    ├── ClaimError                  a claim file fails validation
    └── OutputError                 an output file could not be written (nothing was)

A *denial* is never an error: it is a :class:`~scs_workflow.engine.decision.CodeDecision`.
"""

from __future__ import annotations

from dataclasses import dataclass


class ScsWorkflowError(Exception):
    """Root of every error scs-workflow raises on purpose."""

    code = "scs_workflow_error"


@dataclass(frozen=True)
class Problem:
    """One located problem: where (file:line or JSON path) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class _Located(ScsWorkflowError):
    def __init__(self, summary: str, problems: list[Problem] | None = None) -> None:
        self.summary = summary
        self.problems: list[Problem] = list(problems or [])
        lines = [summary] + [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class PolicyError(_Located):
    """A workflow YAML could not be loaded; each problem names file, line and field."""

    code = "policy_invalid"


class PolicyNotFound(PolicyError):
    """No policy with that id, or none in force on the date of service."""

    code = "policy_not_found"


class CaseError(_Located):
    """A case (or case event) failed validation; each problem names its JSON path."""

    code = "case_invalid"


class ClaimError(_Located):
    """A claim file failed validation; each problem names its JSON path."""

    code = "claim_invalid"


class UnknownCode(ScsWorkflowError):
    """A requested code is not in the SCS code catalog: an input error, not a denial."""

    code = "unknown_code"

    def __init__(self, code_value: str) -> None:
        self.requested = code_value
        super().__init__(f"unknown code {code_value!r}: not an SCS-family CPT code")


class RequestError(_Located):
    """A request is malformed: e.g. ``63650:implant`` when 63650's uses are trial/permanent; a request
    file's problems name their JSON path."""

    code = "request_invalid"


class ClaimOnlyCode(RequestError):
    """A PA request names a claim-only code (a device supply or imaging guidance): it has no gate."""

    code = "claim_only_code"

    def __init__(self, code_value: str, family: str) -> None:
        self.requested = code_value
        self.family = family
        what = "a device supply code" if family == "supply" else "an imaging-guidance code"
        super().__init__(f"{code_value} is {what}: it has no medical-necessity gate and is not requested "
                         "for prior authorization; bill it on the claim with its procedure (check-claim "
                         "judges it by the policy's edits)")


class StoreError(ScsWorkflowError):
    """The case store could not do what was asked."""

    code = "store_error"


class ConcurrencyConflict(StoreError):
    """An append carried a case version that is no longer current."""

    code = "version_conflict"

    def __init__(self, case_id: str, expected: int, actual: int) -> None:
        self.case_id = case_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"case {case_id}: expected version {expected} but it is at {actual}; "
            "reload the case and retry"
        )


class NotFound(StoreError):
    """No such case or request in the store."""

    code = "not_found"


class PermissionDenied(StoreError):
    """The actor's role does not allow this action (e.g. a denial without a reviewer)."""

    code = "permission_denied"


class OutputError(ScsWorkflowError):
    """An output file could not be written; the old file (or none) is left in place."""

    code = "output_failed"
