"""Alembic environment: always run in code by :func:`scs_workflow.store.database.migrate`.

The caller passes an open connection (already in a transaction that holds the
migration lock) in ``config.attributes["connection"]``; there is no ``alembic.ini``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from scs_workflow.store.schema import metadata

VERSION_TABLE = "store_alembic_version"

connection: Connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
