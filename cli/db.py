"""`casebase db upgrade|current`: the SQL schema's migrations from the command line."""

from __future__ import annotations

import click

URL_HELP = "数据库地址（默认取 CASEBASE_DATABASE_URL 或 instance/config.py）。"


@click.group("db")
def db_group() -> None:
    """数据库结构（Alembic 迁移）：SQLite 与 PostgreSQL 通用。"""


@db_group.command("upgrade")
@click.option("--url", default=None, help=URL_HELP)
@click.option("--revision", default="head", show_default=True, help="目标版本。")
def upgrade_command(url: str | None, revision: str) -> None:
    """建表或升级到最新结构；已是最新时什么也不做。"""
    from sqlalchemy.exc import OperationalError

    from db import migrate

    url = url or migrate.configured_url()
    try:
        migrate.upgrade(url, revision)
    except OperationalError as exc:
        raise click.ClickException(f"无法连接数据库：{exc.orig or exc}") from None
    target = migrate.head_revision() if revision == "head" else revision
    click.echo(f"数据库结构已是版本 {target}（{_safe(url)}）")


@db_group.command("current")
@click.option("--url", default=None, help=URL_HELP)
def current_command(url: str | None) -> None:
    """显示数据库当前的结构版本。"""
    from sqlalchemy.exc import OperationalError

    from db import migrate
    from db.models import make_engine

    url = url or migrate.configured_url()
    engine = make_engine(url)
    try:
        revision = migrate.current_revision(engine)
    except OperationalError as exc:
        raise click.ClickException(f"无法连接数据库：{exc.orig or exc}") from None
    finally:
        engine.dispose()
    head = migrate.head_revision()
    state = "最新" if revision == head else f"需要升级到 {head}（运行 casebase db upgrade）"
    click.echo(f"当前版本：{revision or '空库'}；{state}")


def _safe(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
