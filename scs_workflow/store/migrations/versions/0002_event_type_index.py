"""Case store: an index on (case_id, type), so an append reads a case's trial and correction records by key.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_case_events_type", "case_events", ["case_id", "type"])


def downgrade() -> None:
    op.drop_index("ix_case_events_type", "case_events")
