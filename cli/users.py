"""`casebase user add NAME --role editor|publisher`: accounts for the editor area.

Needs only the database, not the model.
"""

from __future__ import annotations

import sys

import click

from editorial.models import ROLES


@click.group("user")
def user_group() -> None:
    """编辑后台的账号。"""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="editor 可上传和编辑草稿；publisher 还可发布、撤下和恢复。")
@click.option("--password-stdin", is_flag=True, help="从标准输入读密码（脚本用）。")
@click.option("--url", default=None, help="数据库地址（默认取配置）。")
def add_command(name: str, role: str, password_stdin: bool, url: str | None) -> None:
    """新建账号（已存在则重设密码和角色）。"""
    from sqlalchemy.exc import OperationalError

    from db import migrate
    from db.models import make_engine
    from db.models import make_sessionmaker
    from editorial.users import UserError
    from editorial.users import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")
    url = url or migrate.configured_url()
    engine = make_engine(url)
    try:
        migrate.upgrade_engine(engine)
        with make_sessionmaker(engine)() as session:
            user = add_user(session, name, role, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    except OperationalError as exc:
        raise click.ClickException(f"无法连接数据库：{exc.orig or exc}") from None
    finally:
        engine.dispose()
    label = "发布员" if user.role == "publisher" else "编辑"
    click.echo(f"账号 {user.name} 已保存（{label}）")
