"""Index a labelled collection through the product and run its queries in every mode.

Passages of an external corpus become `Case` objects (the passage is the summary, so the
product's own chunking, analysis, Whoosh schema and vectors apply) and go through
`indexer.build.build_index` into a temporary folder; queries go through `parse_query` and
`search.engine.rank_cases`, exactly as the web app runs them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.analyzer import Analyzer
from casefile.case import Case
from casefile.case import Region
from casefile.case import Source
from db.models import create_schema
from db.models import make_engine
from evaluation.metrics import Judged
from evaluation.metrics import ModeResult
from evaluation.metrics import judge
from evaluation.metrics import score_run
from evaluation.metrics import timed_run
from indexer.build import build_index
from search.engine import rank_cases
from search.engine import run_search
from search.generation import SearchService
from search.query import MAX_QUERY_CHARS
from search.query import QueryError
from search.query import parse_query

MODES = ("keyword", "vector", "hybrid")


class VectorCache:
    """An embedder that remembers vectors by text hash on disk, between evaluation runs.

    Encoding the 7,285-passage retrieval corpus takes minutes on a CPU; tuning needs seconds.
    """

    def __init__(self, inner, folder: Path):
        self.inner = inner
        # One folder per model, backend and width: vectors of one backend never stand in for
        # another's (onnx and torch agree to 0.9998, but an evaluation measures one of them).
        backend = getattr(inner, "backend", "")
        safe = re.sub(r"[^\w.-]+", "_", f"{inner.name}-{backend}-{inner.dim}")
        self.folder = Path(folder) / safe
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((0, inner.dim), dtype=np.float32)
        if (self.folder / "keys.json").exists():
            keys = json.loads((self.folder / "keys.json").read_text(encoding="utf-8"))
            self._matrix = np.load(self.folder / "vectors.npy")
            self._rows = {k: i for i, k in enumerate(keys)}

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        keys = ["d:" + hashlib.sha1(t.encode()).hexdigest() for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo = [i for i, k in enumerate(keys) if k not in self._rows]
        if todo:
            fresh = self.inner.encode_documents([texts[i] for i in todo])
            self._remember([keys[i] for i in todo], fresh)
        for i, k in enumerate(keys):
            out[i] = self._matrix[self._rows[k]]
        return out

    def encode_query(self, text: str) -> np.ndarray:
        key = "q:" + hashlib.sha1(text.encode()).hexdigest()
        if key not in self._rows:
            self._remember([key], np.asarray(self.inner.encode_query(text))[None, :])
        return self._matrix[self._rows[key]]

    def _remember(self, keys: list[str], vectors: np.ndarray) -> None:
        start = len(self._matrix)
        self._matrix = np.vstack([self._matrix, np.asarray(vectors, dtype=np.float32)])
        self._rows.update({k: start + i for i, k in enumerate(keys)})

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._rows, key=self._rows.get)
        np.save(self.folder / "vectors.npy.partial.npy", self._matrix)
        (self.folder / "vectors.npy.partial.npy").replace(self.folder / "vectors.npy")
        (self.folder / "keys.json").write_text(json.dumps(keys), encoding="utf-8")


def passage_cases(passages: dict[str, tuple[str, str]]) -> dict[str, Case]:
    """One `Case` per passage: its title (often empty) and its text as the summary."""
    cases = {}
    for pid, (title, text) in passages.items():
        digest = hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()
        cases[pid] = Case(slug=pid, title=title, kind="case", region=Region(), summary=text,
                          source=Source(document="retrieval corpus"), content_hash=digest)
    return cases


@dataclass
class World:
    """An index and its SQL catalogue built for one evaluation."""

    service: SearchService
    report: object  # indexer.build.BuildReport
    engine: object  # sqlalchemy Engine of the catalogue


def build_world(workdir: Path, embedder, cases_dir: Path | None = None,
                cases: dict[str, Case] | None = None) -> World:
    """Build an index and a SQLite catalogue in `workdir` from a folder or loaded cases."""
    from sqlalchemy.orm import Session

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{workdir / 'eval.sqlite'}")
    create_schema(engine)
    analyzer = Analyzer().warm_up()  # the shipped data files: an evaluation never reads edits
    with Session(engine) as session:
        report = build_index(Path(cases_dir or workdir / "none"), workdir / "index", session,
                             embedder, analyzer=analyzer, cases=cases)
    service = SearchService(workdir / "index", embedder, analyzer, check_interval=3600)
    return World(service, report, engine)


def ranker(service: SearchService, mode: str):
    """A function from query text to the ids the product returns for it, best first."""
    gen = service.generation()

    def rank(text: str) -> list[str]:
        try:
            query = parse_query({"q": text[:MAX_QUERY_CHARS]})
        except QueryError:
            return []
        hits, _, _ = rank_cases(service, gen, query, mode)
        return [h.slug for h in hits]

    return rank


def evaluate_service(service: SearchService, judged: Judged, modes=MODES, baseline=None,
                     halves: bool = False) -> list[ModeResult]:
    """Score each mode (and the baseline, if given) on the labelled set."""
    results = []
    runs = []
    if baseline is not None:
        run, seconds = timed_run(judged, baseline.rank)
        results.append(judge("baseline-bm25", run, seconds, judged, halves))
        runs.append(run)
    for mode in modes:
        run, seconds = timed_run(judged, ranker(service, mode))
        results.append(judge(mode, run, seconds, judged, halves))
        runs.append(run)
    numeric = numeric_queries(judged)
    if numeric.queries:  # whatever the set's own groups, the queries stating a numeric condition
        for result, run in zip(results, runs, strict=True):
            result.groups[NUMERIC_GROUP] = score_run(run, numeric)
            if halves:
                result.halves.update({f"{NUMERIC_GROUP} {h}": score_run(run, numeric.split(h))
                                      for h in ("odd", "even") if numeric.split(h).queries})
    return results


NUMERIC_GROUP = "数字条件"


def numeric_queries(judged: Judged) -> Judged:
    """The queries of a set that state a numeric condition (search/numeric.py)."""
    keep = []
    for qid, text in judged.queries.items():
        try:
            if parse_query({"q": text[:MAX_QUERY_CHARS]}).conditions:
                keep.append(qid)
        except QueryError:
            continue
    return judged._subset(f"{judged.name}[{NUMERIC_GROUP}]", keep)


def tier_rates(service: SearchService, judged: Judged, no_answer: list[str]) -> dict:
    """How honest the tiers are (search/tiers.py): no-answer queries that still get a direct
    hit, and answerable queries whose first relevant case is direct."""
    def hits(text: str) -> list[dict]:
        return run_search(service, parse_query({"q": text, "per_page": "50"})).hits

    wrong = [q for q in no_answer if any(h["tier"] == "direct" for h in hits(q))]
    missed = []
    for qid, text in judged.queries.items():
        first = next((h for h in hits(text) if judged.qrels[qid].get(h["id"])), None)
        if first is None or first["tier"] != "direct":
            missed.append(text)
    answerable = max(len(judged.queries), 1)
    return {"no_answer": len(no_answer), "no_answer_direct": len(wrong),
            "no_answer_direct_share": round(len(wrong) / max(len(no_answer), 1), 4),
            "no_answer_with_direct": wrong, "answerable": len(judged.queries),
            "first_relevant_direct_share": round(1 - len(missed) / answerable, 4),
            "first_relevant_not_direct": missed}
