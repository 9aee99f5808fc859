"""Build what a command needs: the services alone, or the Flask app for `casebase serve`."""

from __future__ import annotations

import click


def _clear(exc: Exception) -> click.ClickException:
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        return click.ClickException(f"数据库无法使用：{exc.__class__.__name__}")
    return click.ClickException(f"无法启动：{exc}")


def make_services(*, search: bool = True, database: bool = False):
    """The services of the resolved configuration; with `search`, the embedder and the
    analyzer load now, so a bad model folder is one clear line instead of a traceback; with
    `database`, the schema is brought to the newest migration first (as the app does)."""
    from sqlalchemy.exc import SQLAlchemyError

    import settings
    from db.migrate import upgrade_engine
    from services import Services  # late: `casebase check` needs no model or database

    try:
        services = Services.from_config()
        settings.instance_path().mkdir(parents=True, exist_ok=True)  # the SQLite file's folder
        if database and services.config["CREATE_SCHEMA"]:
            upgrade_engine(services.engine)
        if search:
            services.search  # noqa: B018 (loads)
        return services
    except (ValueError, OSError, SQLAlchemyError) as exc:
        raise _clear(exc) from None


def make_app():
    """Create the app (only `casebase serve` serves pages)."""
    from sqlalchemy.exc import SQLAlchemyError

    from app import create_app

    try:
        return create_app()
    except (ValueError, OSError, SQLAlchemyError) as exc:
        raise _clear(exc) from None
