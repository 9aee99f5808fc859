"""The `casebase` command: thin click commands over the library functions.

Every command lives in a module of this package; library packages never import it.
"""

from __future__ import annotations

import click

from cli.db import db_group
from cli.evaluate import bench_command
from cli.evaluate import eval_command
from cli.handouts import export as export_command
from cli.importer import import_command
from cli.library import check
from cli.library import index
from cli.library import search
from cli.library import serve
from cli.loadtest import loadtest
from cli.model import model_group
from cli.recommend import recommend_command
from cli.users import user_group


@click.group()
def main() -> None:
    """村案通：村级集体经济案例检索。"""


for command in (index, check, search, serve, recommend_command, export_command, db_group,
                loadtest, eval_command, bench_command, import_command, user_group, model_group):
    main.add_command(command)


if __name__ == "__main__":
    main()
