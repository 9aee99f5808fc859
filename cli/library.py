"""`casebase index | check | search | serve`: the library's everyday commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cli import app_loader


@click.command()
@click.option("--rebuild", is_flag=True, help="从头重建，不复用上一代索引。")
@click.option("--cases", "cases_dir", type=click.Path(file_okay=False), default=None,
              help="案例目录（默认取配置 CASES_DIR）。")
def index(rebuild: bool, cases_dir: str | None) -> None:
    """索引案例目录：新建一代索引，完成后原子切换。"""
    from indexer.store import BuildLockedError

    services = app_loader.make_services(database=True)
    try:
        report = services.reindex(rebuild=rebuild, cases_dir=Path(cases_dir) if cases_dir else None)
    except BuildLockedError:
        raise click.ClickException("另一个索引任务正在运行，请稍后再试") from None
    finally:
        services.close()
    for problem in report.problems:
        click.echo(f"问题：{problem}", err=True)
    click.echo(report.summary())


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--provenance", is_flag=True,
              help="同时检查出处：每个标签和数字都要有原句，且原句里说到了它。")
@click.option("--source", "sources", multiple=True, type=click.Path(dir_okay=False, exists=True),
              help="来源原文（UTF-8 文本，可多次给出）：原句必须一字不差地出自其中。")
def check(directory: str | None, provenance: bool, sources: tuple[str, ...]) -> None:
    """检查案例目录的格式，列出每个有问题的文件、字段和原因。"""
    import settings as config
    from analysis.analyzer import Analyzer
    from analysis.vocabulary import load_vocabulary
    from casefile.parse import CaseFormatError
    from casefile.parse import case_files
    from casefile.parse import load_case
    from services import Services

    root = Path(directory or config.resolve()["CASES_DIR"])
    if not root.is_dir():
        raise click.ClickException(f"目录不存在：{root}")
    vocab = load_vocabulary()
    analyzer = Analyzer(Services.from_config().data_dir)  # the editor's dictionary, if any
    files, bad, seen = case_files(root), 0, {}
    for path in files:
        try:
            case = load_case(path, vocab)
        except CaseFormatError as exc:
            bad += 1
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        if case.slug in seen:
            bad += 1
            click.echo(f"{path}: [id] 与 {seen[case.slug]} 的 id 重复")
        elif provenance or sources:
            bad += _provenance_problems(case, sources, analyzer)
        seen.setdefault(case.slug, path)
    click.echo(f"检查 {len(files)} 个文件：{len(files) - bad} 个合格，{bad} 个有问题")
    if bad:
        sys.exit(1)


@click.command()
@click.argument("text")
@click.option("--mode", type=click.Choice(["hybrid", "keyword", "vector"]), default="hybrid")
@click.option("--limit", type=click.IntRange(1, 50), default=10)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def search(text: str, mode: str, limit: int, as_json: bool) -> None:
    """在终端里搜索，按相关度列出案例。"""
    from search.engine import run_search
    from search.query import QueryError
    from search.query import parse_query

    try:
        query = parse_query({"q": text, "per_page": str(limit)})
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None
    result = run_search(app_loader.make_services().search, query, mode)
    if as_json:
        click.echo(json.dumps({"query": text, "total": result.total,
                               "related_total": result.related_total, "hits": result.hits},
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"{query.describe()}：直接相关 {result.total} 篇，可能相关 {result.related_total} 篇"
               f"（{result.millis:.0f} 毫秒）")
    for n in result.notices:
        click.echo(f"提示：{n}")
    if not result.total and result.suggestions:
        click.echo(f"没有直接回答的案例；可以换个说法：{'、'.join(result.suggestions)}")
    for i, hit in enumerate(result.hits, 1):
        ev = hit["evidence"]
        ranks = f"关键词#{ev['keyword_rank'] or '-'} 语义#{ev['vector_rank'] or '-'}"
        tier = "" if hit["tier"] == "direct" else "［可能相关］"
        click.echo(f"{i:>2}. {tier}{hit['title']}  [{hit['id']}]  {hit['score']:.3f}  {ranks}")
        snippet = hit["snippet"].replace("<mark>", "【").replace("</mark>", "】")
        click.echo(f"    {hit['snippet_section']}：{snippet}")
        for reason in hit.get("why", []):
            click.echo(f"    {reason}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """用 waitress（生产级 WSGI 服务器）提供网页和 API。"""
    from waitress import serve as waitress_serve

    app = app_loader.make_app()
    click.echo(f"村案通已启动：http://{host}:{port}/")
    waitress_serve(app, host=host, port=port, threads=threads)


def _provenance_problems(case, sources: tuple[str, ...], analyzer) -> int:
    """Echo the case's provenance problems; return 1 when it has any."""
    from casefile.provenance import check_provenance

    text = "\n".join(Path(p).read_text(encoding="utf-8") for p in sources) if sources else None
    problems = check_provenance(case, text, analyzer=analyzer)
    for problem in problems:
        click.echo(str(problem))
    return 1 if problems else 0
