"""Okapi BM25 over a generation's term arrays: a query is a few sparse column reads.

The arrays (`indexer.terms`) are loaded once per generation and turned into a column-major
(CSC) matrix, so one query term costs one slice of the rows that hold it; nothing is opened or
walked per query. Scores are plain Okapi BM25 with Lucene's always-positive idf; see
`search.keyword` for the choice of parameters and the measurements behind it.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from whoosh import query as wq

from indexer.schema import TEXT_FIELDS
from indexer.terms import TermTable

K1 = 1.2
B = 0.75


class Bm25Arrays:
    """Column-major term counts, idf and length norms of one generation."""

    def __init__(self, table: TermTable, k1: float = K1, b: float = B):
        csc = table.counts.tocsc()
        csc.sort_indices()
        self.indptr, self.rows, self.tf = csc.indptr, csc.indices, csc.data
        self.slugs = table.slugs
        self.row_of = {s: i for i, s in enumerate(table.slugs)}
        self.column = {t: i for i, t in enumerate(table.vocab)}
        self.n = len(table.slugs)
        self.df = np.diff(self.indptr)
        lengths = table.lengths
        avgdl = float(lengths.mean()) if self.n else 1.0
        self.k1, self.b = k1, b
        self.norm = (k1 * (1 - b + b * lengths / max(avgdl, 1e-9))).astype(np.float32)

    def idf(self, term: str) -> float:
        col = self.column.get(term)
        df = int(self.df[col]) if col is not None else 0
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows holding `term` and its count in each (empty arrays for an unknown term)."""
        col = self.column.get(term)
        if col is None:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        lo, hi = self.indptr[col], self.indptr[col + 1]
        return self.rows[lo:hi], self.tf[lo:hi]

    def holding(self, term: str) -> np.ndarray:
        return self.postings(term)[0]

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every case for `terms` (each occurrence of a term counts once more)."""
        out = np.zeros(self.n, dtype=np.float32)
        for term in terms:
            rows, tf = self.postings(term)
            if rows.size:
                out[rows] += self.idf(term) * tf * (self.k1 + 1) / (tf + self.norm[rows])
        return out


class PhraseChecker:
    """Word-for-word checks of quoted phrases in the Whoosh index of record, on given cases.

    One searcher per generation, opened lazily and shared under a lock: a Whoosh searcher is
    not safe to use from two threads at once, and phrase checks are rare and short.
    """

    def __init__(self, ix):
        self.ix = ix
        self._searcher = None
        self._docnum: dict[str, int] = {}
        self._lock = threading.Lock()

    def _open(self):
        if self._searcher is None:
            searcher = self.ix.searcher()
            self._docnum = {f["slug"]: n for n, f in searcher.reader().iter_docs()}
            self._searcher = searcher
        return self._searcher

    def holding(self, words: list[str], slugs: list[str]) -> set[str]:
        """Those of `slugs` whose text holds `words` in order (one word of slack between)."""
        if not slugs:
            return set()
        q = wq.Or([wq.Phrase(f, words, slop=1) for f in TEXT_FIELDS])
        found = set()
        with self._lock:
            searcher = self._open()
            wanted = sorted((self._docnum[s], s) for s in slugs if s in self._docnum)
            matcher = q.matcher(searcher)
            for docnum, slug in wanted:
                if not matcher.is_active():
                    break
                if matcher.id() < docnum:
                    matcher.skip_to(docnum)
                if matcher.is_active() and matcher.id() == docnum:
                    found.add(slug)
        return found

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None


class KeywordIndex:
    """What keyword search needs of one generation: the arrays and the phrase checker."""

    def __init__(self, arrays: Bm25Arrays, phrases: PhraseChecker):
        self.arrays = arrays
        self.phrases = phrases
