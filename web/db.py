"""The SQL session for a request: created on first use, closed at teardown."""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import g
from sqlalchemy.orm import Session

from indexer.models import create_schema
from indexer.models import make_engine
from indexer.models import make_sessionmaker


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["casebase_sessionmaker"]()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    if app.config.get("CREATE_SCHEMA", True):
        create_schema(engine)
    app.extensions["casebase_engine"] = engine
    app.extensions["casebase_sessionmaker"] = make_sessionmaker(engine)
    app.teardown_appcontext(close_session)
