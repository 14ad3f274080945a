"""The hash chain: canonical JSON and the sha256 that links each record to the one before.

Every case event's hash is ``sha256(canonical(...))`` over::

    case_id, seq, event_id, type, effective_date, payload, recorded_at, actor, role, source, prev_hash

where ``canonical`` is JSON with sorted keys and no whitespace (UTF-8), instants are UTC
ISO-8601 with microseconds, and ``prev_hash`` of seq 1 is the hash of the case *header*
(case_id, patient_ref, policy, diagnoses, created_at/by/role/source): an edited header breaks
the chain at seq 1 too. A request's log is chained the same way from its request id.

>>> canonical({"b": 1, "a": [1.5, "x"]})
'{"a":[1.5,"x"],"b":1}'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any


def canonical(value: Any) -> str:
    """Sorted keys, no whitespace, non-ASCII kept: the same bytes for the same data."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def instant(value: dt.datetime) -> str:
    """A UTC instant as ``2026-05-04T09:30:00.000000+00:00``."""
    if value.tzinfo is None:
        raise ValueError("instants in the chain are timezone-aware")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def sha256(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def header_hash(*, case_id: str, patient_ref: str, policy: str, diagnoses: list[Any], created_at: dt.datetime,
                created_by: str, created_role: str, created_source: str) -> str:
    """The genesis of a case's chain."""
    return sha256({
        "case_id": case_id, "patient_ref": patient_ref, "policy": policy, "diagnoses": diagnoses,
        "created_at": instant(created_at), "created_by": created_by, "created_role": created_role,
        "created_source": created_source,
    })


def event_hash(*, case_id: str, seq: int, event_id: str, type: str, effective_date: dt.date,
               payload: dict[str, Any], recorded_at: dt.datetime, actor: str, role: str, source: str,
               prev_hash: str) -> str:
    """The hash of one case event, chained to *prev_hash*."""
    return sha256({
        "case_id": case_id, "seq": seq, "event_id": event_id, "type": type,
        "effective_date": effective_date.isoformat(), "payload": payload, "recorded_at": instant(recorded_at),
        "actor": actor, "role": role, "source": source, "prev_hash": prev_hash,
    })


def request_genesis(request_id: str) -> str:
    return sha256({"request_id": request_id})


def entry_hash(*, request_id: str, seq: int, action: str, recorded_at: dt.datetime, actor: str, role: str,
               detail: dict[str, Any], prev_hash: str) -> str:
    """The hash of one entry of a request's log, chained to *prev_hash*."""
    return sha256({
        "request_id": request_id, "seq": seq, "action": action, "recorded_at": instant(recorded_at),
        "actor": actor, "role": role, "detail": detail, "prev_hash": prev_hash,
    })
