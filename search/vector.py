"""Vector retrieval: one matrix product over all passages, best passage per case."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search.generation import Generation


@dataclass
class VectorHit:
    slug: str
    score: float  # cosine of the best passage
    rank: int
    chunk: int  # row of the best passage


def case_scores(gen: Generation, qvec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best passage cosine per case (in `gen.slugs` order) and that passage's row."""
    if not gen.slugs:
        return np.zeros(0, np.float32), np.zeros(0, np.int64)
    sims = gen.vectors @ qvec.astype(np.float32)
    best = np.maximum.reduceat(sims, gen.case_starts)
    # Row of the best passage per case: the first row in each run equal to the run's maximum.
    run = np.repeat(np.arange(len(gen.slugs)), np.diff(np.append(gen.case_starts, len(sims))))
    is_best = sims == best[run]
    rows = np.flatnonzero(is_best)
    first = np.full(len(gen.slugs), -1, dtype=np.int64)
    first[run[rows][::-1]] = rows[::-1]
    return best, first


def vector_hits(gen: Generation, qvec: np.ndarray, limit: int = 100) -> list[VectorHit]:
    """The `limit` cases whose best passage is closest to the query vector."""
    best, rows = case_scores(gen, qvec)
    if best.size == 0:
        return []
    k = min(limit, best.size)
    top = np.argpartition(-best, k - 1)[:k]
    top = top[np.argsort(-best[top], kind="stable")]
    return [VectorHit(gen.slugs[i], float(best[i]), r, int(rows[i]))
            for r, i in enumerate(top, 1)]
