"""Alembic environment: one schema (db.models) for SQLite and PostgreSQL alike.

The URL comes from, in order: a connection handed over by db.migrate (the app and
`casebase db upgrade`), `alembic -x url=...`, then the configuration (settings.py:
CASEBASE_DATABASE_URL, instance/config.py, the default SQLite file).
"""

from __future__ import annotations

import logging.config

from alembic import context

import editorial.models  # noqa: F401  (its tables join Base.metadata)
from db.migrate import configured_url as app_url
from db.models import Base
from db.models import make_engine

config = context.config


def configured_url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or app_url()


def run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place: later migrations copy tables in batches.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=configured_url(), target_metadata=Base.metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    shared = config.attributes.get("connection")
    if shared is not None:
        run_with(shared)
        return
    if config.config_file_name is not None:  # the alembic CLI: its own logging setup
        logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = make_engine(configured_url())
    try:
        with engine.begin() as connection:
            run_with(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
