"""Create and upgrade the SQL schema with Alembic (SQLite and PostgreSQL alike).

The app runs `upgrade_engine` at start, so every gunicorn worker may try at once: a lock
(a PostgreSQL advisory lock, or a file lock beside a SQLite file) lets one worker migrate
while the others wait and then find the schema already at head.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url

import settings as config
from db.models import make_engine

# The migration scripts ship beside the packages (in a checkout and in the wheel alike). Found by
# path, not imported: migrations/env.py imports this package, and imports point one way.
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Any fixed 64-bit number; names this project's migration lock among PostgreSQL advisory locks.
PG_LOCK_KEY = 0x6361_7365_6261_7365  # "casebase"


def configured_url() -> str:
    """The URL the app would use, found without building the app (no model load for a migration)."""
    return config.resolve()["DATABASE_URL"]


def alembic_config() -> Config:
    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@functools.cache  # the migration scripts do not change while a process runs
def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (creating every table on an empty one)."""
    engine = make_engine(url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    with _file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Held until this transaction ends; PostgreSQL's DDL is transactional, so a worker
            # that waited here sees either no tables or all of them at head.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextlib.contextmanager
def _file_lock(engine: Engine):
    """Serialise migrations of one SQLite file across processes (no-op for other databases)."""
    url = make_url(str(engine.url))
    database = url.database or ""
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    # No folder, no database: let the upgrade fail with SQLite's own OperationalError.
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or not (
            lock_path.parent.is_dir()):
        yield
        return
    with open(lock_path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
