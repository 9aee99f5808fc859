"""Judge ranking quality: metrics, labelled sets, the in-run BM25 baseline and one eval run.

A run maps each query id to the ids it returned, best first; a labelled set maps each query id
to {id: grade} (grade 2 = the answer, 1 = related). nDCG uses linear gains, as trec_eval does.
The baseline is deliberately plain (rank-bm25 Okapi over `jieba.lcut` words) so that every
figure of the product sits next to what a team would get without it, in the same run.
"""

from __future__ import annotations

import csv
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np

METRICS = ("ndcg@10", "mrr@10", "recall@10", "recall@100")
DEPTH = 100
WORD_RE = re.compile(r"\w")
DIGITS_RE = re.compile(r"(\d+)\D*$")


@dataclass
class Judged:
    """A labelled query set: query texts and graded relevant ids per query."""

    name: str
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    groups: dict[str, str] = field(default_factory=dict)  # query id -> group (kind of query)

    def split(self, half: str) -> Judged:
        """The odd- or even-numbered queries (by the number at the end of the id)."""
        want = 1 if half == "odd" else 0
        return self._subset(f"{self.name}:{half}",
                            [q for q in self.queries if _number(q) % 2 == want])

    def group(self, name: str) -> Judged:
        return self._subset(f"{self.name}[{name}]",
                            [q for q in self.queries if self.groups.get(q) == name])

    def group_names(self) -> list[str]:
        """The groups, when there are at least two (one group says nothing apart)."""
        names = sorted({self.groups[q] for q in self.queries if q in self.groups})
        return names if len(names) > 1 else []

    def versus_largest(self) -> tuple[str, Judged] | None:
        """With three groups or more, the queries outside the largest one (rdq-C vs the rest)."""
        names = self.group_names()
        if len(names) < 3:
            return None
        largest = max(names, key=lambda g: sum(1 for q in self.queries if self.groups.get(q) == g))
        label = f"非{largest}"
        return label, self._subset(f"{self.name}[{label}]",
                                   [q for q in self.queries if self.groups.get(q) != largest])

    def _subset(self, name: str, keep: list[str]) -> Judged:
        return Judged(name, {q: self.queries[q] for q in keep},
                      {q: self.qrels.get(q, {}) for q in keep},
                      {q: self.groups[q] for q in keep if q in self.groups})


def id_group(qid: str) -> str:
    """A query's group from its id: the letters before its number (rdq-C01 -> rdq-C)."""
    return DIGITS_RE.sub("", qid) or qid


def _number(qid: str) -> int:
    m = DIGITS_RE.search(qid)
    return int(m.group(1)) if m else 0


@dataclass
class ModeResult:
    mode: str
    metrics: dict[str, float]
    seconds: float
    queries: int
    halves: dict[str, dict[str, float]] = field(default_factory=dict)
    groups: dict[str, dict[str, float]] = field(default_factory=dict)  # per kind of query

    @property
    def millis_per_query(self) -> float:
        return 1000 * self.seconds / max(self.queries, 1)

    def as_dict(self) -> dict:
        return {"mode": self.mode, **{k: round(v, 4) for k, v in self.metrics.items()},
                "seconds": round(self.seconds, 2), "ms_per_query": round(self.millis_per_query, 1),
                "halves": {h: {k: round(v, 4) for k, v in m.items()}
                           for h, m in self.halves.items()},
                "groups": {g: {k: round(v, 4) for k, v in m.items()}
                           for g, m in self.groups.items()}}


def read_tsv(path: Path) -> list[list[str]]:
    """Rows of a tab-separated file without a header (quotes are ordinary characters)."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if row]


def load_tsv_set(corpus: Path, queries: Path, qrels: Path, name: str = "retrieval"
                 ) -> tuple[dict[str, tuple[str, str]], Judged]:
    """Passages {pid: (title, text)} and the labelled set, from the retrieval-zh TSV formats."""
    passages = {r[0]: ((r[1] if len(r) > 2 else "").strip(), r[-1].strip())
                for r in read_tsv(corpus)}
    texts = {r[0]: r[1].strip() for r in read_tsv(queries) if len(r) >= 2}
    judged: dict[str, dict[str, int]] = {}
    for row in read_tsv(qrels):
        qid, pid, rel = row[0], row[1], int(row[-1])
        if rel > 0 and qid in texts:
            judged.setdefault(qid, {})[pid] = rel
    kept = {q: t for q, t in texts.items() if q in judged}
    return passages, Judged(name, kept, judged, {q: id_group(q) for q in kept})


def ndcg_at(ranked: list[str], rels: dict[str, int], k: int = 10) -> float:
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rels.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def mrr_at(ranked: list[str], rels: dict[str, int], k: int = 10) -> float:
    return next((1.0 / (i + 1) for i, d in enumerate(ranked[:k]) if rels.get(d, 0) > 0), 0.0)


def recall_at(ranked: list[str], rels: dict[str, int], k: int) -> float:
    relevant = {d for d, g in rels.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def score_run(run: dict[str, list[str]], judged: Judged) -> dict[str, float]:
    """Mean of each metric over the set's queries (a query missing from the run scores 0)."""
    per = [(run.get(q, []), judged.qrels[q]) for q in judged.queries]
    n = max(len(per), 1)
    return {
        "ndcg@10": sum(ndcg_at(r, g) for r, g in per) / n,
        "mrr@10": sum(mrr_at(r, g) for r, g in per) / n,
        "recall@10": sum(recall_at(r, g, 10) for r, g in per) / n,
        "recall@100": sum(recall_at(r, g, 100) for r, g in per) / n,
    }


def judge(mode: str, run: dict[str, list[str]], seconds: float, judged: Judged,
          halves: bool = False) -> ModeResult:
    result = ModeResult(mode, score_run(run, judged), seconds, len(judged.queries))
    if halves:
        result.halves = {h: score_run(run, judged.split(h)) for h in ("odd", "even")}
    parts = [(g, judged.group(g)) for g in judged.group_names()]
    parts += [judged.versus_largest()] if judged.versus_largest() else []
    for group, part in parts:
        result.groups[group] = score_run(run, part)
        if halves:
            result.halves.update({f"{group} {h}": score_run(run, part.split(h))
                                  for h in ("odd", "even")})
    return result


def timed_run(judged: Judged, rank: Callable[[str], list[str]]) -> tuple[dict, float]:
    """Run `rank(text)` for every query; the run and the seconds it took."""
    started = time.perf_counter()
    run = {qid: rank(text)[:DEPTH] for qid, text in judged.queries.items()}
    return run, time.perf_counter() - started


def baseline_words(text: str) -> list[str]:
    """Default jieba words, without pure punctuation and white space."""
    import jieba

    return [w for w in jieba.lcut(text) if WORD_RE.search(w)]


class Bm25Baseline:
    """rank-bm25's Okapi BM25 (its default k1=1.5, b=0.75) over default jieba words."""

    name = "baseline-bm25"

    def __init__(self, docs: dict[str, str]):
        import jieba
        from rank_bm25 import BM25Okapi

        jieba.setLogLevel(60)  # silence the dictionary-loading chatter
        self.ids = list(docs)
        self.bm25 = BM25Okapi([baseline_words(docs[d]) or [""] for d in self.ids])

    def rank(self, text: str) -> list[str]:
        scores = self.bm25.get_scores(baseline_words(text))
        k = min(DEPTH, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [self.ids[i] for i in top if scores[i] > 0]
