"""The evaluation suites `casebase eval` runs, and their report as a table or JSON.

- retrieval: an external TSV collection (retrieval-zh formats), indexed into a temporary folder;
- cases: the product's own labelled queries (evaluation/data/eval_queries.yaml), shipped cases;
- profiles: the labelled village profiles, judged by `recommend.evaluation`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import yaml

from casefile.markdown import plain_text
from evaluation.metrics import METRICS
from evaluation.metrics import Bm25Baseline
from evaluation.metrics import Judged
from evaluation.metrics import ModeResult
from evaluation.metrics import load_tsv_set
from evaluation.run import MODES
from evaluation.run import build_world
from evaluation.run import evaluate_service
from evaluation.run import passage_cases
from evaluation.run import tier_rates

CASES_QUERIES = Path(__file__).parent / "data" / "eval_queries.yaml"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SuiteReport:
    suite: str
    queries: int
    documents: int
    embedder: str
    build_seconds: float
    embed_seconds: float
    results: list[ModeResult] = field(default_factory=list)
    tiers: dict = field(default_factory=dict)  # evaluation.run.tier_rates, cases suite only

    def result(self, mode: str) -> ModeResult:
        return next(r for r in self.results if r.mode == mode)

    def as_dict(self) -> dict:
        return {"suite": self.suite, "queries": self.queries, "documents": self.documents,
                "embedder": self.embedder, "build_seconds": round(self.build_seconds, 1),
                "embed_seconds": round(self.embed_seconds, 1),
                "results": [r.as_dict() for r in self.results], "tiers": self.tiers}


def load_cases_judged(path: Path = CASES_QUERIES) -> Judged:
    """The product's labelled queries; ids q001… follow their order in the file."""
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    items = [it for it in items if it.get("relevant")]  # no-answer queries are scored apart
    queries = {f"q{i:03d}": str(it["query"]) for i, it in enumerate(items, 1)}
    qrels = {f"q{i:03d}": dict(it["relevant"]) for i, it in enumerate(items, 1)}
    groups = {f"q{i:03d}": str(it.get("type", "other")) for i, it in enumerate(items, 1)}
    return Judged("cases", queries, qrels, groups)


def load_no_answer(path: Path = CASES_QUERIES) -> list[str]:
    """Queries the shipped library has no answer for: search should find nothing direct."""
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    return [str(it["query"]) for it in items if it.get("type") == "no-answer"]


def _suite(name: str, judged: Judged, workdir: Path, embedder, modes, halves: bool,
           cases_dir: Path | None = None, cases: dict | None = None,
           no_answer: list[str] | None = None) -> SuiteReport:
    world = build_world(workdir, embedder, cases_dir=cases_dir, cases=cases)
    world.engine.dispose()
    service, build = world.service, world.report
    gen = service.generation()
    docs = {slug: "\n".join([c.title, c.summary, plain_text(c.body)])
            for slug, c in gen.catalog.items()}
    report = SuiteReport(name, len(judged.queries), len(gen.catalog), embedder.name,
                         build.seconds, build.embed_seconds)
    report.results = evaluate_service(service, judged, modes, Bm25Baseline(docs), halves)
    if no_answer is not None:
        report.tiers = tier_rates(service, judged, no_answer)
    return report


def retrieval_suite(corpus: Path, queries: Path, qrels: Path, embedder, modes=MODES,
                    halves: bool = False, workdir: Path | None = None) -> SuiteReport:
    passages, judged = load_tsv_set(corpus, queries, qrels)
    with tempfile.TemporaryDirectory(prefix="casebase-eval-") as tmp:
        return _suite("retrieval", judged, Path(workdir or tmp), embedder, modes, halves,
                      cases=passage_cases(passages))


def cases_suite(embedder, cases_dir: Path = ROOT / "cases", modes=MODES, halves: bool = False,
                queries: Path = CASES_QUERIES) -> SuiteReport:
    with tempfile.TemporaryDirectory(prefix="casebase-eval-") as tmp:
        return _suite("cases", load_cases_judged(queries), Path(tmp), embedder, modes, halves,
                      cases_dir=Path(cases_dir), no_answer=load_no_answer(queries))


def profiles_suite(embedder, cases_dir: Path = ROOT / "cases") -> dict:
    """Recommendation quality on the labelled profiles (module written for issue 4)."""
    from sqlalchemy.orm import Session

    from recommend.evaluation import evaluate_profiles  # late: owned by the recommend feature

    with tempfile.TemporaryDirectory(prefix="casebase-eval-") as tmp:
        world = build_world(Path(tmp), embedder, cases_dir=Path(cases_dir))
        with Session(world.engine) as session:
            out = evaluate_profiles(session, world.service)
        world.engine.dispose()
        return out


def format_report(report: SuiteReport) -> str:
    """A readable table: one row per mode (and per half when asked), baseline first."""
    head = (f"评测集 {report.suite}：{report.queries} 条查询，{report.documents} 篇文档，"
            f"模型 {report.embedder}；建索引 {report.build_seconds:.1f} 秒"
            f"（其中嵌入 {report.embed_seconds:.1f} 秒）")
    cols = "".join(f"{m:>11}" for m in METRICS)
    lines = [head, f"{'方式':<22}{cols}{'用时/秒':>9}{'每条/毫秒':>9}"]
    for r in report.results:
        lines.append(_row(r.mode, r.metrics) + f"{r.seconds:>11.1f}{r.millis_per_query:>11.1f}")
    for half in ("odd", "even"):
        for r in report.results:
            if half in r.halves:
                lines.append(_row(f"{r.mode} ({half})", r.halves[half]))
    for group in (report.results[0].groups if report.results else {}):
        lines.append(f"查询组 {group}：")
        for r in report.results:
            lines.append(_row(f"  {r.mode}", r.groups[group]))
            for half in ("odd", "even"):
                if f"{group} {half}" in r.halves:
                    lines.append(_row(f"  {r.mode} ({half})", r.halves[f"{group} {half}"]))
    if report.tiers:
        t = report.tiers
        lines.append(f"分层（混合检索）：无答案查询 {t['no_answer']} 条，其中有“直接相关”结果的 "
                     f"{t['no_answer_direct']} 条（{t['no_answer_direct_share']:.1%}）；"
                     f"有答案查询 {t['answerable']} 条，首个相关案例属于“直接相关”的占 "
                     f"{t['first_relevant_direct_share']:.1%}")
    return "\n".join(lines)


def _row(label: str, metrics: dict[str, float]) -> str:
    return f"{label:<24}" + "".join(f"{metrics[m]:>11.4f}" for m in METRICS)


def prepared_sets(embedder, eval_dir: Path, workdir: Path, names: list[str] | None = None,
                  cases_dir: Path = ROOT / "cases") -> list:
    """The cases suite and every labelled TSV set under `eval_dir`, each indexed once and its
    queries' evidence gathered (evaluation/tune.py)."""
    from evaluation.tune import prepare

    preps = []
    world = build_world(workdir / "cases", embedder, cases_dir=Path(cases_dir))
    world.engine.dispose()
    preps.append(prepare("cases", world.service, load_cases_judged(), _baseline(world.service)))
    for folder in sorted(p for p in Path(eval_dir).iterdir() if (p / "qrels.tsv").exists()):
        if names and folder.name not in names:
            continue
        passages, judged = load_tsv_set(folder / "corpus.tsv", folder / "queries.tsv",
                                        folder / "qrels.tsv", folder.name)
        world = build_world(workdir / folder.name, embedder, cases=passage_cases(passages))
        world.engine.dispose()
        preps.append(prepare(folder.name, world.service, judged, _baseline(world.service)))
    return preps


def _baseline(service) -> Bm25Baseline:
    gen = service.generation()
    return Bm25Baseline({slug: "\n".join([c.title, c.summary, plain_text(c.body)])
                         for slug, c in gen.catalog.items()})
