"""Connecting to the store's database: URLs, SQLite pragmas, write transactions, migrations.

``--db`` / ``SCS_DATABASE_URL`` takes a SQLAlchemy URL or a plain file path:

* ``scs-workflow.db`` (the default) or any path: an embedded SQLite file in WAL mode;
* ``postgresql://user@host:5432/db``: PostgreSQL through psycopg 3
  (``postgresql+psycopg://`` is added when no driver is named).

Writers take the database's write lock when their transaction *begins* (SQLite
``BEGIN IMMEDIATE``; on PostgreSQL the case row is locked ``FOR UPDATE``), so two writers
never interleave on one case. Driver errors become :class:`StoreError` messages that name
the database but never echo SQL parameters (they could hold a patient reference).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, exc, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

from ..model.errors import ScsWorkflowError, StoreError
from .errors import DuplicateKey, StoreUnavailable

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

DEFAULT_DB = "scs-workflow.db"
ENV_URL = "SCS_DATABASE_URL"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "store_alembic_version"
HEAD = "0002"  # the newest migration (a test checks it is the scripts' head): opening at head needs no Alembic
_MIGRATION_LOCK = 0x5C5_0001  # pg_advisory_xact_lock key: one migrator at a time
_WRITE = "scs_write"


def resolve_url(text: str | None = None) -> URL:
    """The database URL from *text*, else ``$SCS_DATABASE_URL``, else ``./scs-workflow.db``."""
    raw = (text or os.environ.get(ENV_URL) or DEFAULT_DB).strip()
    if "://" not in raw:
        return URL.create("sqlite+pysqlite", database=str(Path(raw).expanduser().resolve()))
    try:
        url = make_url(raw)
    except exc.ArgumentError as err:
        raise StoreUnavailable(f"not a database URL: {raw!r} ({err})") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername == "sqlite":
        url = url.set(drivername="sqlite+pysqlite")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreUnavailable(f"unsupported database {url.get_backend_name()!r}: use SQLite or PostgreSQL")
    return url


def shown(url: URL) -> str:
    """The URL as safe to print: without its password."""
    return url.render_as_string(hide_password=True)


class Database:
    """An engine plus the store's transaction discipline."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.name = url.get_backend_name()
        self.engine: Engine = self._engine()

    def _engine(self) -> Engine:
        if self.name == "sqlite":
            if not self.url.database or self.url.database == ":memory:":
                raise StoreUnavailable("an in-memory SQLite database cannot be shared: give a file path")
            engine = create_engine(self.url, hide_parameters=True, connect_args={"timeout": 60})
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        return create_engine(self.url, hide_parameters=True, pool_pre_ping=True,
                             connect_args={"connect_timeout": 10})

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot on both backends)."""
        with self._connect() as conn, self._guard(), conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back on any error."""
        with self._connect() as conn, self._guard():
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        try:
            conn = self.engine.connect()
        except exc.DBAPIError as err:
            raise StoreUnavailable(f"cannot connect to {shown(self.url)}: {_reason(err)}") from None
        with conn:
            yield conn

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except ScsWorkflowError:
            raise
        except exc.IntegrityError as err:
            raise DuplicateKey(f"database {shown(self.url)} refused a duplicate: {_reason(err)}") from None
        except (exc.OperationalError, exc.InterfaceError) as err:
            raise StoreUnavailable(f"database {shown(self.url)} failed: {_reason(err)}") from None
        except exc.DBAPIError as err:
            raise StoreError(f"database {shown(self.url)} refused the operation: {_reason(err)}") from None

    def dispose(self) -> None:
        self.engine.dispose()


def _reason(err: exc.DBAPIError) -> str:
    text = str(err.orig).strip() or type(err.orig).__name__
    return " ".join(text.split("\n")[0].split())


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 60000")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def _script() -> ScriptDirectory:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


# Alembic's ``context`` and ``op`` are process-wide proxies: two threads migrating at once (even two
# databases) overwrite each other's (``KeyError: 'config'``, "table already exists"). One at a time.
_MIGRATING = threading.Lock()


def _current(conn: Connection) -> set[str]:
    """The schema revision(s) recorded in the database (none when it is new)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return set()
    return {str(v) for v in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()}


def migrate(db: Database) -> None:
    """Bring the schema to the newest revision (a no-op when it is there already).

    Thread- and crash-safe: the migration runs in *one* write transaction (SQLite and PostgreSQL
    both roll DDL back), under a process-wide lock (Alembic's state is global), the database's
    write lock (SQLite ``BEGIN IMMEDIATE``; a PostgreSQL advisory lock), and re-reads the revision
    once it holds them, so of several openers one migrates and the others find the head. A crash or
    an error leaves the database as it was before.
    """
    with db.read() as conn:
        if _current(conn) == {HEAD}:
            return
    from alembic import command  # Alembic (~0.2 s to import) only when there is something to migrate
    from alembic.config import Config

    script = _script()
    head = set(script.get_heads())
    known = {rev.revision for rev in script.walk_revisions()}
    with _MIGRATING, db.write() as conn:
        if db.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        current = _current(conn)
        if current == head:
            return  # another opener migrated it while we waited
        if current - known:
            raise StoreError(f"database {shown(db.url)} has schema revision {', '.join(sorted(current))}, "
                             "newer than this scs-workflow knows: upgrade scs-workflow")
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_database(url: str | URL | None = None, *, upgrade: bool = True) -> Database:
    """Connect (failing with a clear :class:`StoreUnavailable`) and migrate."""
    db = Database(url if isinstance(url, URL) else resolve_url(url))
    if db.name == "sqlite":
        parent = Path(db.url.database or "").parent
        if not parent.is_dir():
            raise StoreUnavailable(f"cannot open {shown(db.url)}: directory {parent} does not exist")
    with db.read() as conn:
        conn.exec_driver_sql("SELECT 1")
    if upgrade:
        migrate(db)
    return db
