"""`/healthz` (and its twin `/api/v1/health`): is this worker serving, and from which index?

A load balancer or a person after a reindex reads it: 200 when the worker can answer
searches and reach the database, 503 (with the reason in Chinese) when it cannot.
"""

from __future__ import annotations

import os

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from db.migrate import current_revision
from db.migrate import head_revision
from indexer.store import IndexCorruptError
from indexer.store import IndexMissingError
from web.services import get_service

bp = Blueprint("health", __name__)


def index_state() -> dict:
    service = get_service()
    state = {"generation": None, "cases": 0, "embedder": service.embedder.name,
             "index_ok": False, "index_error": None}
    try:
        gen = service.generation()
    except IndexMissingError:
        state["index_error"] = "案例索引尚未建立，请运行 casebase index"
    except IndexCorruptError:
        state["index_error"] = "案例索引损坏，请运行 casebase index --rebuild"
    else:
        state.update(generation=gen.name, cases=len(gen.catalog), index_ok=True,
                     vectors_usable=service.vectors_usable)
    return state


def database_state() -> dict:
    engine = current_app.extensions["casebase"].engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except SQLAlchemyError:
        return {"database": False, "database_error": "数据库无法连接"}
    if revision != head_revision():
        reason = "数据库结构不是最新，请运行 casebase db upgrade"
        return {"database": False, "database_error": reason}
    return {"database": True, "database_error": None}


def health_data() -> tuple[dict, int]:
    data = {**index_state(), **database_state(), "worker": os.getpid()}
    ok = data["index_ok"] and data["database"]
    data["status"] = "ok" if ok else "unavailable"
    data["message"] = "正常" if ok else "；".join(
        m for m in (data["index_error"], data["database_error"]) if m)
    return data, 200 if ok else 503


@bp.get("/healthz")
@bp.get("/api/v1/health")
def health():
    data, status = health_data()
    resp = jsonify(data)
    resp.headers["Cache-Control"] = "no-store"
    return resp, status


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
