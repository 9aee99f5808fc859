"""Build the Flask app for commands that need config, database and index together."""

from __future__ import annotations

import click


def make_app():
    """Create the app, turning start-up failures into one clear line instead of a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from app import create_app  # late: `casebase check` needs no model or database

    try:
        return create_app()
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"无法启动：{exc}") from None
    except SQLAlchemyError as exc:
        raise click.ClickException(f"数据库无法使用：{exc.__class__.__name__}") from None
