"""`casebase loadtest`: a bounded load test of search and recommend over loopback."""

from __future__ import annotations

import os
import platform

import click


def _levels(value: str) -> list[int]:
    try:
        levels = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter("应为逗号分隔的整数，如 1,8,32") from None
    if not levels or not all(1 <= n <= 64 for n in levels):
        raise click.BadParameter("并发数应在 1 到 64 之间")
    return levels


@click.command("loadtest")
@click.option("--url", default=None, help="已在运行的服务地址（仅限本机），如 http://127.0.0.1:5000")
@click.option("--start-gunicorn", is_flag=True, help="用 gunicorn.conf.py 在本机空闲端口启动服务。")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16),
              help="--start-gunicorn 时的工作进程数。")
@click.option("--requests", "total", default=400, show_default=True,
              type=click.IntRange(1, 100_000), help="每个场景、每个并发级别的请求数。")
@click.option("--concurrency", default="1,8,32", show_default=True, help="并发级别。")
@click.option("--scenario", "scenarios", multiple=True, default=("search", "recommend"),
              type=click.Choice(["search", "recommend"]), show_default=True)
def loadtest(url: str | None, start_gunicorn: bool, workers: int, total: int,
             concurrency: str, scenarios: tuple[str, ...]) -> None:
    """压力测试：固定请求数、固定并发，报告每秒请求数、p50/p95 与错误数。"""
    from evaluation import loadtest as lt

    levels = _levels(concurrency)
    if bool(url) == start_gunicorn:
        raise click.UsageError("请给出 --url 或 --start-gunicorn 之一")
    if url and not url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise click.UsageError("只对本机地址做压力测试（127.0.0.1 / localhost）")
    try:
        if start_gunicorn:
            with lt.gunicorn_server(workers=workers) as (base, _):
                _run(lt, base, scenarios, total, levels, f"gunicorn {workers} 个工作进程")
        else:
            _run(lt, url.rstrip("/"), scenarios, total, levels, "外部服务")
    except lt.ServerError as exc:
        raise click.ClickException(f"服务未就绪：{exc}（是否已运行 casebase index？）") from None


def _run(lt, base: str, scenarios, total: int, levels: list[int], server: str) -> None:
    health = lt.wait_healthy(base, None, timeout=30)
    click.echo(f"{platform.node()}：{os.cpu_count()} 核，{server}；索引 {health['generation']}"
               f"（{health['cases']} 篇），模型 {health['embedder']}；{base}")
    errors = 0
    for scenario in scenarios:
        if scenario == "recommend" and not lt.has_recommend(base):
            click.echo("recommend：服务没有 /api/v1/recommend，跳过")
            continue
        lt.run_load(base, scenario, min(total, 20), max(levels))  # warm-up, not reported
        for level in levels:
            result = lt.run_load(base, scenario, total, level)
            errors += result.errors
            click.echo(result.line())
    if errors:
        raise click.ClickException(f"共 {errors} 个请求失败")
