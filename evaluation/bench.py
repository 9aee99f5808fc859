"""`casebase bench`: how fast the product builds and answers on a synthetic library of N cases.

Every product figure sits next to a plain baseline measured in the same run: a stock Whoosh
index (jieba words, BM25F, OR query), bm25s over the same tokens the keyword search scores,
and a brute-force numpy dot product over the same vectors.
"""

from __future__ import annotations

import resource
import shutil
import time
from pathlib import Path

from evaluation.bench_setup import Bm25sBaseline
from evaluation.bench_setup import PlainWhoosh
from evaluation.bench_setup import brute_force_top
from evaluation.bench_setup import percentiles
from evaluation.bench_setup import query_tokens
from evaluation.bench_setup import tree_bytes
from evaluation.run import build_world
from evaluation.synthetic import query_list
from evaluation.synthetic import write_library
from indexer import terms
from indexer.build import build_index
from search.engine import run_search
from search.query import parse_query

MODES = ("keyword", "vector", "hybrid")
ROUNDS = 3  # each query this many times per mode, after one warm-up round


def run(n: int, root: Path, spec: str, models_dir: Path, load: bool = True,
        backend: str = "torch", progress=print) -> dict:
    """Build a library of `n` cases from scratch, then measure; a JSON-ready dict."""
    from embedding.embed import load_embedder

    cases_dir, work = Path(root) / f"cases-{n}", Path(root) / f"run-{n}"
    progress(f"[{n}] 生成合成案例 → {cases_dir}")
    write_library(cases_dir, n)
    shutil.rmtree(work, ignore_errors=True)
    embedder = load_embedder(spec, Path(models_dir), backend=backend)
    progress(f"[{n}] 全量建索引（模型 {embedder.name}）")
    world = build_world(work, embedder, cases_dir=cases_dir)
    full = world.report
    out = {"cases": n, "embedder": embedder.name, "backend": backend,
           "build": {"seconds": full.seconds, "embed_seconds": full.embed_seconds,
                     "passages": full.embedded + full.reused_vectors,
                     "cases_per_s": n / full.seconds,
                     "cases_per_s_without_embedding": n / max(full.seconds - full.embed_seconds,
                                                              1e-9),
                     "passages_per_s_embedding": full.embedded / max(full.embed_seconds, 1e-9)}}
    out["update_one"] = _update_one(world, cases_dir, embedder)
    progress(f"[{n}] 查询延迟")
    out["latency_ms"], out["baseline_ms"] = _latencies(world.service, cases_dir)
    gen_path = world.service.generation().path
    out["disk_bytes"] = {"whoosh": tree_bytes(gen_path / "whoosh"),
                         "vectors": tree_bytes(gen_path / "vectors.npy"),
                         "chunks_and_catalog": tree_bytes(gen_path / "chunks.json")
                         + tree_bytes(gen_path / "catalog.json"),
                         "sqlite": sum(tree_bytes(p) for p in work.glob("eval.sqlite*"))}
    out["bench_process_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    world.engine.dispose()
    if load:
        from evaluation.bench_load import serve_and_load

        progress(f"[{n}] 网页服务并发压测")
        out["serve"] = serve_and_load(work, cases_dir, spec, Path(models_dir), query_list())
    return out


def _update_one(world, cases_dir: Path, embedder) -> dict:
    """Edit one case file and time the incremental build that picks it up."""
    from sqlalchemy.orm import Session

    path = sorted(cases_dir.glob("*.md"))[0]
    original = path.read_text(encoding="utf-8")
    path.write_text(original.rstrip("\n") + "2024年又新增分红10万元。\n", encoding="utf-8")
    try:
        with Session(world.engine) as session:
            report = build_index(cases_dir, world.service.index_dir, session, embedder,
                                 analyzer=world.service.analyzer)
    finally:
        path.write_text(original, encoding="utf-8")
    return {"seconds": report.seconds, "embedded": report.embedded,
            "updated": len(report.updated)}


def _latencies(service, cases_dir: Path) -> tuple[dict, dict]:
    """p50/p95/p99 per mode through `run_search`, and the two baselines on the same queries."""
    queries = query_list()
    product = {}
    for mode in MODES:
        times = _time_each(queries, lambda q, m=mode: run_search(service, parse_query({"q": q}),
                                                                 m))
        product[mode] = percentiles(times)
    gen = service.generation()
    product["query_embedding"] = percentiles(_time_each(queries, service.embedder.encode_query))
    qvecs = {q: service.embedder.encode_query(q) for q in queries}
    plain = PlainWhoosh.build(cases_dir, service.index_dir.parent / "plain-whoosh")
    baseline = {"plain_whoosh": percentiles(_time_each(queries, plain.search)),
                "plain_whoosh_build_s": plain.build_seconds,
                "numpy_dot": percentiles(_time_each(
                    queries, lambda q: brute_force_top(gen.vectors, qvecs[q])))}
    arrays = gen.keyword.arrays
    fast = Bm25sBaseline.build(terms.read_table(gen.path), arrays.k1, arrays.b)
    tokens = {q: query_tokens(gen.analyzer, q) for q in queries}
    baseline["bm25s"] = percentiles(_time_each(queries, lambda q: fast.search(tokens[q])))
    baseline["bm25s_build_s"] = fast.build_seconds
    return product, baseline


def _time_each(queries: list[str], fn) -> list[float]:
    for q in queries:  # warm-up: caches, lazy loads
        fn(q)
    times = []
    for _ in range(ROUNDS):
        for q in queries:
            started = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - started) * 1000)
    return times


def format_report(r: dict) -> str:
    """The figures of one size as a readable table."""
    b, u = r["build"], r["update_one"]
    lines = [f"== 合成案例库 {r['cases']} 篇（模型 {r['embedder']}，{r['backend']}）==",
             f"全量建索引   {b['seconds']:.1f} 秒，{b['cases_per_s']:.1f} 篇/秒；其中嵌入 "
             f"{b['embed_seconds']:.1f} 秒（{b['passages']} 段，"
             f"{b['passages_per_s_embedding']:.1f} 段/秒）；不含嵌入 "
             f"{b['cases_per_s_without_embedding']:.1f} 篇/秒",
             f"更新一篇     {u['seconds']:.2f} 秒（重新嵌入 {u['embedded']} 段）",
             f"{'查询延迟（毫秒）':<18}{'p50':>8}{'p95':>8}{'p99':>8}"]
    rows = [(m, r["latency_ms"][m]) for m in (*MODES, "query_embedding")]
    rows += [("基线 plain Whoosh", r["baseline_ms"]["plain_whoosh"]),
             ("基线 numpy 点积", r["baseline_ms"]["numpy_dot"])]
    if "bm25s" in r["baseline_ms"]:
        rows.append(("基线 bm25s（同词）", r["baseline_ms"]["bm25s"]))
    lines += [f"  {name:<20}{p['p50']:>8.1f}{p['p95']:>8.1f}{p['p99']:>8.1f}"
              for name, p in rows]
    d = r["disk_bytes"]
    lines.append("磁盘占用     " + "，".join(f"{k} {v / 2**20:.1f} MB" for k, v in d.items()))
    serve = r.get("serve")
    if serve:
        lines.append(f"服务进程     峰值 RSS {serve['peak_rss_mb']:.0f} MB（启动 "
                     f"{serve['startup_s']:.1f} 秒）")
        for level in serve["levels"]:
            lines.append(f"  并发 {level['concurrency']:>2}：{level['requests']} 次请求，"
                         f"{level['rps']:.1f} 次/秒，p95 {level['p95_ms']:.0f} 毫秒，"
                         f"错误 {level['errors']}")
    return "\n".join(lines)

