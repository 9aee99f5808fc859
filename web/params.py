"""One parser for every integer that comes from a URL or a form: ASCII digits, bounded.

`int()` and werkzeug's `<int:>` accept Unicode digits (² ٣ ５) and any length; the database
does not. Here a bad number is a 400 with a Chinese sentence, and an id in a URL beyond what
the database can hold is simply not found (404).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from web.errors import error_response

MAX_ID = 2**63 - 1  # SQLite INTEGER and PostgreSQL BIGINT both stop here


class BadNumber(ValueError):
    """A number parameter that is missing, not ASCII digits, or out of bounds (Chinese)."""

    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(message)


def parse_int(value: str | None, name: str, *, low: int = 0, high: int = MAX_ID,
              default: int | None = None, label: str | None = None) -> int:
    """`value` as an int in [low, high]; `default` when it is absent or empty.

    :raise BadNumber: with a sentence naming the parameter (`label`, else `name`).
    """
    label = label or name
    if value is None or value == "":
        if default is not None:
            return default
        raise BadNumber(name, f"缺少参数“{label}”")
    text = value.strip()
    if (not (text.isascii() and text.isdigit()) or len(text) > 100
            or len(text.lstrip("0")) > len(str(high))):
        raise BadNumber(name, f"参数“{label}”应为 {low} 到 {high} 之间的整数")
    number = int(text)
    if not low <= number <= high:
        raise BadNumber(name, f"参数“{label}”应为 {low} 到 {high} 之间的整数")
    return number


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` that matches ASCII digits only and stops at the database's largest id."""

    regex = r"[0-9]{1,19}"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)  # beyond it werkzeug raises ValidationError: 404
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install the converter (before any blueprint adds a rule) and the 400 for BadNumber."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.errorhandler(BadNumber)
    def bad_number(exc: BadNumber):
        return error_response(400, str(exc), {exc.name: str(exc)})
