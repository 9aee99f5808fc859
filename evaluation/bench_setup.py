"""Baselines and helpers for `casebase bench`: what a team gets without the product's search."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.analysis import Token
from whoosh.analysis import Tokenizer
from whoosh.fields import ID
from whoosh.fields import TEXT
from whoosh.fields import Schema
from whoosh.qparser import OrGroup
from whoosh.qparser import QueryParser

from casefile.parse import case_files
from casefile.parse import load_case


class JiebaTokenizer(Tokenizer):
    """Default jieba words, character positions as Whoosh expects (the stock set-up)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        import jieba

        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (word, start, end) in enumerate(jieba.tokenize(value)):
            if not word.strip():
                continue
            t.text, t.boost, t.stopped = word.lower(), 1.0, False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t


@dataclass
class PlainWhoosh:
    """One Whoosh document per case (title + summary + body), BM25F, words OR-ed."""

    ix: object
    build_seconds: float

    @classmethod
    def build(cls, cases_dir: Path, folder: Path) -> PlainWhoosh:
        started = time.perf_counter()
        folder.mkdir(parents=True, exist_ok=True)
        schema = Schema(slug=ID(stored=True, unique=True), text=TEXT(analyzer=JiebaTokenizer()))
        ix = whoosh_index.create_in(str(folder), schema)
        with ix.writer(limitmb=256) as writer:
            for path in case_files(cases_dir):
                case = load_case(path)
                writer.add_document(slug=case.slug,
                                    text="\n".join([case.title, case.summary, case.body]))
        return cls(ix, time.perf_counter() - started)

    def search(self, text: str, limit: int = 10) -> list[str]:
        parser = QueryParser("text", self.ix.schema, group=OrGroup)
        with self.ix.searcher() as searcher:
            return [h["slug"] for h in searcher.search(parser.parse(text), limit=limit)]


@dataclass
class Bm25sBaseline:
    """bm25s (the fastest BM25 library we know) over the product's own tokens: each case's
    term-array row, the query analysed in query mode before timing, top 100, same k1 and b."""

    model: object
    build_seconds: float

    @classmethod
    def build(cls, table, k1: float, b: float) -> Bm25sBaseline:
        import bm25s

        started = time.perf_counter()
        vocab, counts = table.vocab, table.counts
        corpus = [[vocab[c] for c, n in zip(counts.indices[lo:hi], counts.data[lo:hi], strict=True)
                   for _ in range(int(n))]
                  for lo, hi in zip(counts.indptr[:-1], counts.indptr[1:], strict=True)]
        model = bm25s.BM25(k1=k1, b=b)
        model.index(corpus, show_progress=False)
        return cls(model, time.perf_counter() - started)

    def search(self, tokens: list[str], limit: int = 100):
        k = min(limit, self.model.scores["num_docs"])
        return self.model.retrieve([tokens or [""]], k=k, show_progress=False, n_threads=0)


def query_tokens(analyzer, text: str) -> list[str]:
    """The words and canonical forms the product's keyword search scores for `text`."""
    from search.keyword import plan_query
    from search.query import parse_query

    q = parse_query({"q": text})
    return [f for g in plan_query(analyzer, q.terms_text, q.phrases).groups for f in g.forms]


def brute_force_top(vectors: np.ndarray, qvec: np.ndarray, k: int = 10) -> np.ndarray:
    """The k passage rows closest to the query: one full dot product and a partial sort."""
    sims = vectors @ qvec
    k = min(k, sims.size)
    top = np.argpartition(-sims, k - 1)[:k]
    return top[np.argsort(-sims[top])]


def percentiles(times_ms: list[float]) -> dict[str, float]:
    arr = np.asarray(times_ms, dtype=np.float64)
    p50, p95, p99 = np.percentile(arr, [50, 95, 99]) if arr.size else (0.0, 0.0, 0.0)
    return {"p50": float(p50), "p95": float(p95), "p99": float(p99), "n": int(arr.size)}


def tree_bytes(path: Path) -> int:
    """Bytes on disk of a file or everything under a folder."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
