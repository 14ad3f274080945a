"""The store's own errors, each a :class:`~scs_workflow.errors.StoreError`.

::

    StoreError                      (scs_workflow.errors)
    ├── ConcurrencyConflict         an append expected a stale case version       (exit 3)
    ├── NotFound                    no such case / request
    ├── PermissionDenied            the actor's role may not do this (a denial without a reviewer)
    ├── StoreUnavailable            the database cannot be reached or opened
    ├── IdempotencyConflict         an event / request id was re-sent with different content
    ├── ActionRefused               the request cannot take that step (decided already, no rationale...)
    ├── AuditFailed                 ``audit verify`` found an edited, reordered or deleted record
    └── DuplicateKey                two writers raced to create one row (internal: callers retry)
"""

from __future__ import annotations

from ..model.errors import StoreError


class StoreUnavailable(StoreError):
    """The database could not be reached or opened; the message names it (without a password)."""

    code = "store_unavailable"


class IdempotencyConflict(StoreError):
    """The same id was sent again with a different payload: the original stays, nothing is written."""

    code = "idempotency_conflict"

    def __init__(self, case_id: str, item_id: str, what: str = "event") -> None:
        self.case_id = case_id
        self.item_id = item_id
        super().__init__(
            f"case {case_id}: {what} id {item_id!r} is already recorded with different content; "
            f"an id is an idempotency key: re-send the same content, or use a new id"
        )


class ActionRefused(StoreError):
    """An authorization request cannot take the step asked (wrong status, missing rationale...)."""

    code = "action_refused"


class AuditFailed(StoreError):
    """The audit trail does not verify: a record was edited, reordered or deleted."""

    code = "audit_failed"


class DuplicateKey(StoreError):
    """Two writers raced to create the same row; callers re-read and decide (internal)."""

    code = "duplicate_key"
