"""PostgreSQL for tests: the project's throw-away cluster (scripts/postgres.sh), one database
per test, and worlds (app + index + database) on either SQLite or PostgreSQL.

Set CASEBASE_TEST_PG_URL to use a running server instead (its role needs CREATEDB). Under
CI=true a PostgreSQL that cannot start FAILS the tests; elsewhere they are skipped, with the
reason, only when PostgreSQL is not installable.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from worlds import build
from worlds import services_of

from app import create_app

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "postgres.sh"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str):
    """Fail under CI (the suite must prove PostgreSQL works there), else skip with the reason."""
    message = f"PostgreSQL unavailable: {reason}"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def conninfo(url: str) -> str:
    """A libpq connection string for a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Cluster:
    """A cluster run by scripts/postgres.sh in `directory` (start and stop are idempotent)."""

    def __init__(self, directory: Path):
        self.directory = directory

    def _run(self, command: str) -> str:
        proc = subprocess.run(["bash", str(SCRIPT), command, str(self.directory)],
                              capture_output=True, text=True, timeout=180)
        if proc.returncode != 0:
            raise RuntimeError(f"postgres.sh {command} failed: {proc.stderr.strip()[-800:]}")
        return proc.stdout.strip()

    def start(self) -> str:
        return self._run("start")

    def stop(self) -> None:
        self._run("stop")

    def destroy(self) -> None:
        self._run("destroy")


@contextmanager
def own_cluster():
    """Start a private cluster (for tests that stop and restart it); yield it and its URL."""
    directory = Path(tempfile.mkdtemp(prefix="casebase-pg-"))
    cluster = Cluster(directory)
    try:
        url = cluster.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(directory, ignore_errors=True)
        unavailable(str(exc))
    try:
        yield cluster, url
    finally:
        cluster.destroy()


class Server:
    """A PostgreSQL server that hands out a fresh, empty database per test."""

    def __init__(self, url: str):
        self.url = url

    def create_database(self) -> str:
        name = f"casebase_t_{secrets.token_hex(6)}"
        with psycopg.connect(conninfo(self.url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        with psycopg.connect(conninfo(self.url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_server():
    """The session's PostgreSQL: CASEBASE_TEST_PG_URL, or a cluster the project script starts."""
    external = os.environ.get("CASEBASE_TEST_PG_URL")
    if external:
        yield Server(external)
        return
    with own_cluster() as (_cluster, url):
        yield Server(url)


@pytest.fixture
def pg_url(pg_server):
    """The URL of a new empty PostgreSQL database, dropped after the test."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """An empty database of each kind: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'casebase.sqlite'}"
    return request.getfixturevalue("pg_url")


def make_app(root: Path, cases_dir: Path, database_url: str, **config):
    """An app over `cases_dir` with the fake embedder, its index in `root`, no build yet."""
    app = create_app({
        "TESTING": True,
        "CASES_DIR": str(cases_dir),
        "INDEX_DIR": str(root / "index"),
        "DATABASE_URL": database_url,
        "EMBEDDING_MODEL": "fake",
        "MODELS_DIR": str(root / "models"),
        "SECRET_KEY": "test",
        **config,
    })
    return app


def make_world_on(root: Path, cases_dir: Path, database_url: str, **config):
    """An app over `cases_dir` on `database_url`, with its first index generation built."""
    app = make_app(root, cases_dir, database_url, **config)
    build(app)
    return app


def dispose(app) -> None:
    """Close the app's pooled connections (a PostgreSQL database cannot be dropped while open)."""
    services_of(app).engine.dispose()
