"""`casebase eval` and `casebase bench`: thin click commands over the evaluation modules."""

from __future__ import annotations

import json
from pathlib import Path

import click

import settings as config

MODE_CHOICES = ("keyword", "vector", "hybrid", "all")
TSV = click.Path(dir_okay=False, exists=True)


BACKEND_CHOICES = ("auto", "onnx", "onnx-int8", "torch", "torch-bf16", "openvino-bf16")
BACKEND_HELP = ("嵌入的计算方式（默认取配置 EMBEDDING_BACKEND，与网页服务相同；"
                "auto 在装了 onnxruntime 时为 onnx）。")


def _embedder(model: str | None, models_dir: str | None, cache_dir: str | None,
              backend: str | None = None):
    """The configured embedder, with corpus vectors cached between runs unless disabled."""
    from embedding.embed import load_embedder
    from evaluation.run import VectorCache

    cfg = config.resolve()
    embedder = load_embedder(model or cfg["EMBEDDING_MODEL"], Path(models_dir or cfg["MODELS_DIR"]),
                             backend or cfg["EMBEDDING_BACKEND"])
    if cache_dir == "":
        return embedder
    return VectorCache(embedder, Path(cache_dir or Path(cfg["CACHE_DIR"]) / "vectors"))


def _leave_one_out(eval_dir: Path, embedder, as_json: bool) -> None:
    import tempfile

    from evaluation import suites as eval_suites
    from evaluation import tune

    try:
        with tempfile.TemporaryDirectory(prefix="casebase-loo-") as tmp:
            preps = eval_suites.prepared_sets(embedder, eval_dir, Path(tmp))
            rows = tune.leave_one_set_out(preps)
    finally:
        if hasattr(embedder, "save"):
            embedder.save()
    _echo(rows, tune.format_rows(rows), as_json)


def _echo(payload, text: str, as_json: bool) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2) if as_json else text)


@click.command("eval")
@click.option("--corpus", type=TSV, help="文档 TSV：pid、标题、正文。")
@click.option("--queries", type=TSV, help="查询 TSV：qid、查询。")
@click.option("--qrels", type=TSV, help="标注 TSV：qid、pid、相关度。")
@click.option("--suite", type=click.Choice(["retrieval", "cases", "profiles"]), default=None,
              help="评测集（给了 --corpus 时默认 retrieval，否则 cases）。")
@click.option("--mode", type=click.Choice(MODE_CHOICES), default="all", show_default=True)
@click.option("--odd-even", is_flag=True, help="另列奇数号、偶数号查询各自的成绩。")
@click.option("--model", default=None, help="嵌入模型（default、fake 或模型目录名）。")
@click.option("--models-dir", default=None, help="模型目录（默认 instance/models）。")
@click.option("--cache-dir", default=None, help="向量缓存目录；传空字符串则不缓存。")
@click.option("--backend", type=click.Choice(BACKEND_CHOICES), default=None, help=BACKEND_HELP)
@click.option("--leave-one-out", "loo_dir", default=None,
              type=click.Path(file_okay=False, exists=True),
              help="留一评测：本库查询集加上该目录下每个带 qrels.tsv 的评测集，轮流留出一个，"
                   "在其余集上选融合常数，报告留出集的成绩。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def eval_command(corpus, queries, qrels, suite, mode, odd_even, model, models_dir, cache_dir,
                 backend, loo_dir, as_json) -> None:
    """评测检索质量：nDCG@10、MRR@10、Recall@10/100，与 BM25 基线同场对比。"""
    from evaluation import suites as eval_suites

    if loo_dir:
        _leave_one_out(Path(loo_dir), _embedder(model, models_dir, cache_dir, backend), as_json)
        return
    suite = suite or ("retrieval" if corpus else "cases")
    if suite == "retrieval" and not (corpus and queries and qrels):
        raise click.UsageError("retrieval 评测需要同时给出 --corpus、--queries 和 --qrels")
    modes = ("keyword", "vector", "hybrid") if mode == "all" else (mode,)
    embedder = _embedder(model, models_dir, cache_dir, backend)
    try:
        if suite == "profiles":
            out = eval_suites.profiles_suite(embedder)
            _echo(out, "\n".join([f"村情推荐评测：{out['profiles']} 个画像，nDCG@5 "
                                  f"{out['ndcg@5']:.4f}，首位命中 {out['hit@1']:.2%}"]
                                 + out["lines"]), as_json)
            return
        if suite == "retrieval":
            report = eval_suites.retrieval_suite(Path(corpus), Path(queries), Path(qrels),
                                                 embedder, modes, odd_even)
        else:
            report = eval_suites.cases_suite(embedder, modes=modes, halves=odd_even)
    finally:
        if hasattr(embedder, "save"):
            embedder.save()
    _echo(report.as_dict(), eval_suites.format_report(report), as_json)


@click.command("bench")
@click.option("--cases", "sizes", default="1000,10000", show_default=True,
              help="合成案例库的规模，逗号分隔。")
@click.option("--model", default=None, help="嵌入模型（default、fake 或模型目录名）。")
@click.option("--models-dir", default=None, help="模型目录（默认 instance/models）。")
@click.option("--workdir", default=None, type=click.Path(file_okay=False),
              help="存放合成案例和索引的目录（默认 instance/bench）。")
@click.option("--backend", type=click.Choice(BACKEND_CHOICES), default=None, help=BACKEND_HELP)
@click.option("--skip-load", is_flag=True, help="不做网页服务的并发压测。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def bench_command(sizes, model, models_dir, workdir, backend, skip_load, as_json) -> None:
    """测速：全量与增量建索引、查询延迟、索引体积、内存和并发，与朴素基线并列。"""
    from evaluation import bench as benchmark

    try:
        counts = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise click.UsageError("--cases 应为逗号分隔的正整数，如 1000,10000") from None
    if not counts or min(counts) < 1:
        raise click.UsageError("--cases 应为逗号分隔的正整数，如 1000,10000")
    cfg = config.resolve()
    spec = model or cfg["EMBEDDING_MODEL"]
    folder = Path(models_dir or cfg["MODELS_DIR"])
    root = Path(workdir or config.instance_path() / "bench")
    backend = backend or cfg["EMBEDDING_BACKEND"]  # the same default as serving
    reports = [benchmark.run(n, root, spec, folder, load=not skip_load, backend=backend,
                             progress=lambda msg: click.echo(msg, err=True))
               for n in counts]
    _echo(reports, "\n\n".join(benchmark.format_report(r) for r in reports),
          as_json)
