"""One error shape for people (a Chinese page) and programs (JSON), with honest status codes."""

from __future__ import annotations

import logging

from flask import Flask
from flask import jsonify
from flask import render_template
from flask import request
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from indexer.store import IndexCorruptError
from indexer.store import IndexMissingError
from search.query import QueryError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "请求有误",
    404: "没有找到这个页面或案例",
    405: "不支持这种请求方式",
    413: "提交的内容太大",
    429: "请求太频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
    503: "服务暂时不可用，请稍后再试",
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"]


def error_body(status: int, message: str, errors: dict | None = None) -> dict:
    return {"ok": False, "error": message, "errors": errors or {}, "status": status}


def error_response(status: int, message: str | None = None, errors: dict | None = None):
    message = message or MESSAGES.get(status, "出错了")
    if wants_json():
        resp = jsonify(error_body(status, message, errors))
    else:
        resp = render_template("error.html", status=status, message=message,
                               errors=errors or {})
    return resp, status


def init_app(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def bad_query(exc: QueryError):
        return error_response(400, "请求参数有误", exc.errors)

    @app.errorhandler(IndexMissingError)
    def no_index(_exc):
        return error_response(503, "案例索引尚未建立，请管理员运行 casebase index")

    @app.errorhandler(IndexCorruptError)
    def bad_index(exc):
        log.error("index unreadable: %s", exc)
        return error_response(503, "案例索引损坏，请管理员运行 casebase index --rebuild")

    @app.errorhandler(OperationalError)
    def db_down(exc):
        log.error("database unavailable: %s", exc)
        return error_response(503, "数据库暂时无法连接，请稍后再试")

    @app.errorhandler(SQLAlchemyError)
    def db_error(exc):
        log.exception("database error")
        return error_response(503, "数据库暂时不可用，请稍后再试")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = exc.description if getattr(exc, "chinese", False) else None
        return error_response(exc.code or 500, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        return error_response(500)
