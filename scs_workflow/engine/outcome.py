"""The outcome of a line: approve, pend (a named document is missing or unclear) or deny."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    APPROVE = "approve"
    PEND = "pend"
    DENY = "deny"
