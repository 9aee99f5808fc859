"""The SQL session for a request: created on first use, closed at teardown.

At start the app brings the schema to the newest Alembic migration. When the database is
down at that moment the worker still starts (search runs from the index; pages that need
SQL answer 503) and retries the migration on later requests until the database is back.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from flask import current_app
from flask import g
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.migrate import upgrade_engine
from web.services import get_services

log = logging.getLogger(__name__)
RETRY_SECONDS = 2.0
_retry_lock = threading.Lock()


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = get_services().sessionmaker()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Open the engine and migrate to head; CREATE_SCHEMA = False leaves that to
    `casebase db upgrade` (e.g. when the web user may not run DDL)."""
    app.teardown_appcontext(close_session)
    if app.config["CREATE_SCHEMA"]:
        try_upgrade(app)
        app.before_request(_upgrade_if_pending)


def try_upgrade(app: Flask) -> bool:
    """Migrate to head; on an unreachable database note it and return False."""
    try:
        upgrade_engine(app.extensions["casebase"].engine)
    except OperationalError as exc:
        log.error("database unreachable, schema migration deferred: %s", exc.orig or exc)
        app.extensions["casebase_schema_pending"] = time.monotonic()
        return False
    app.extensions.pop("casebase_schema_pending", None)
    return True


def _upgrade_if_pending() -> None:
    app = current_app._get_current_object()
    last_try = app.extensions.get("casebase_schema_pending")
    if last_try is None or time.monotonic() - last_try < RETRY_SECONDS:
        return
    if _retry_lock.acquire(blocking=False):  # one thread retries; the others carry on
        try:
            try_upgrade(app)
        finally:
            _retry_lock.release()
