"""Case store: cases, their append-only event log, authorization requests and their log.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(128), primary_key=True),
        sa.Column("patient_ref", sa.String(128), nullable=False),
        sa.Column("policy", sa.String(64), nullable=False),
        sa.Column("diagnoses", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_role", sa.String(32), nullable=False),
        sa.Column("created_source", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(64)),
        sa.Column("state_policy", sa.String(96)),
        sa.Column("state_as_of", sa.Date),
        sa.Column("state_version", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_cases_state", "cases", ["state"])
    op.create_table(
        "case_events",
        sa.Column("case_id", sa.String(128), sa.ForeignKey("cases.case_id"), primary_key=True),
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("case_id", "seq", name="uq_case_events_seq"),
    )
    op.create_table(
        "auth_requests",
        sa.Column("request_id", sa.String(128), primary_key=True),
        sa.Column("case_id", sa.String(128), sa.ForeignKey("cases.case_id"), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("date_of_service", sa.Date, nullable=False),
        sa.Column("codes", sa.Text, nullable=False),
        sa.Column("clocks", sa.String(200), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("recommendation", sa.Text),
        sa.Column("rec_outcome", sa.String(16)),
        sa.Column("rec_policy", sa.String(96)),
        sa.Column("pended_at", TS),
        sa.Column("pend_count", sa.Integer, nullable=False),
        sa.Column("decided_at", TS),
        sa.Column("decided_by", sa.String(128)),
        sa.Column("decided_role", sa.String(32)),
        sa.Column("rationale", sa.Text),
        sa.Column("auth_number", sa.String(64)),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_to", sa.Date),
        sa.Column("authorization_event_id", sa.String(128)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_auth_requests_case", "auth_requests", ["case_id"])
    op.create_index("ix_auth_requests_status_due", "auth_requests", ["status", "due_at"])
    op.create_table(
        "request_log",
        sa.Column("request_id", sa.String(128), sa.ForeignKey("auth_requests.request_id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("request_log")
    op.drop_index("ix_auth_requests_status_due", "auth_requests")
    op.drop_index("ix_auth_requests_case", "auth_requests")
    op.drop_table("auth_requests")
    op.drop_table("case_events")
    op.drop_index("ix_cases_state", "cases")
    op.drop_table("cases")
