"""The store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

* ``cases``: one header row per case: who it is about (pseudonymous), the policy, the
  diagnoses, the ``version`` (= number of events), the ``head_hash`` of the chain and a
  cached pathway-state snapshot (``state*``), rebuildable from the log.
* ``case_events``: the append-only log. ``(case_id, event_id)`` is the primary key, so an
  event id is the client's idempotency key; ``(case_id, seq)`` is unique and gap-free.
* ``auth_requests``: the current view of each authorization request, folded from
* ``request_log``: the request's own append-only, hash-chained log (received,
  recommended, pended, decided).

Payloads are stored as canonical JSON *text*, so the hash covers exactly what is stored.
The Alembic migrations in ``migrations/versions`` create these tables; a test checks that
the two agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

ID = 128  # case, event, request ids and actors
HASH = 64  # sha256 hex


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC instant on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store keeps timezone-aware instants only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


metadata = MetaData()

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(ID), primary_key=True),
    Column("patient_ref", String(ID), nullable=False),
    Column("policy", String(64), nullable=False),
    Column("diagnoses", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(ID), nullable=False),
    Column("created_role", String(32), nullable=False),
    Column("created_source", String(ID), nullable=False),
    Column("version", Integer, nullable=False),
    Column("head_hash", String(HASH), nullable=False),
    Column("state", String(64)),
    Column("state_policy", String(96)),
    Column("state_as_of", Date),
    Column("state_version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_cases_state", cases.c.state)

case_events = Table(
    "case_events",
    metadata,
    Column("case_id", String(ID), ForeignKey("cases.case_id"), primary_key=True),
    Column("event_id", String(ID), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("type", String(40), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("payload", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("actor", String(ID), nullable=False),
    Column("role", String(32), nullable=False),
    Column("source", String(ID), nullable=False),
    Column("prev_hash", String(HASH), nullable=False),
    Column("hash", String(HASH), nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_case_events_seq"),
)
Index("ix_case_events_type", case_events.c.case_id, case_events.c.type)  # an append reads trials and corrections

auth_requests = Table(
    "auth_requests",
    metadata,
    Column("request_id", String(ID), primary_key=True),
    Column("case_id", String(ID), ForeignKey("cases.case_id"), nullable=False),
    Column("urgency", String(16), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("date_of_service", Date, nullable=False),
    Column("codes", Text, nullable=False),
    Column("clocks", String(200), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("outcome", String(16)),
    Column("recommendation", Text),
    Column("rec_outcome", String(16)),
    Column("rec_policy", String(96)),
    Column("pended_at", UTCDateTime),
    Column("pend_count", Integer, nullable=False),
    Column("decided_at", UTCDateTime),
    Column("decided_by", String(ID)),
    Column("decided_role", String(32)),
    Column("rationale", Text),
    Column("auth_number", String(64)),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("authorization_event_id", String(ID)),
    Column("version", Integer, nullable=False),
    Column("head_hash", String(HASH), nullable=False),
)
Index("ix_auth_requests_case", auth_requests.c.case_id)
Index("ix_auth_requests_status_due", auth_requests.c.status, auth_requests.c.due_at)

request_log = Table(
    "request_log",
    metadata,
    Column("request_id", String(ID), ForeignKey("auth_requests.request_id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("action", String(16), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("actor", String(ID), nullable=False),
    Column("role", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(HASH), nullable=False),
    Column("hash", String(HASH), nullable=False),
)
