"""Claims: a submitted claim (:class:`Claim`) checked line by line against the same rule set ``decide``
uses (:func:`check_claim`): coding edits, authorization reconciliation, and the gate of each line.

Built on :mod:`scs_workflow.engine`; the edit runner and the checks live there, shared with ``decide``.
"""

from __future__ import annotations

from .claim import Claim, ClaimResult, LineResult, check_claim, em_codes, load_claim, parse_claim

__all__ = ["Claim", "ClaimResult", "LineResult", "check_claim", "em_codes", "load_claim", "parse_claim"]
