"""A generation's term statistics for vectorised BM25: one sparse row of token counts per case.

The tokens are exactly the ones Whoosh indexes (the shared analyzer in index mode over the same
four text fields), so keyword scores and the Whoosh index of record never disagree about what a
case holds. Files in the generation folder:

  terms.npz    CSR arrays `data` (counts), `indices` (term ids), `indptr`, and `lengths`
  terms.json   {"format", "slugs": row order, "vocab": term of each column}

An incremental build keeps the rows of unchanged cases and analyses only changed ones; the
vocabulary only grows (a column no case uses any more has document frequency 0 and never
scores), and a full build starts it afresh.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from analysis.analyzer import Analyzer
from casefile.case import Case
from indexer import store
from indexer.schema import TEXT_FIELDS
from indexer.schema import case_document

TERMS_FORMAT = 1
ARRAYS = "terms.npz"
META = "terms.json"


@dataclass
class TermTable:
    """Counts (cases x terms, CSR), the case of each row and the term of each column."""

    counts: sparse.csr_matrix
    slugs: list[str]
    vocab: list[str]

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per case: the BM25 document length."""
        return np.asarray(self.counts.sum(axis=1)).ravel().astype(np.float32)


def case_tokens(case: Case, analyzer: Analyzer) -> list[str]:
    """Every token Whoosh indexes for the case's text fields, sub-words and synonyms included."""
    doc = case_document(case)
    return [t.text for name in TEXT_FIELDS for t in analyzer.analyze(doc[name], mode="index")]


def _rows(cases: list[Case], vocab: list[str], column: dict[str, int], analyzer: Analyzer
          ) -> sparse.csr_matrix:
    """Count rows for `cases`, adding unseen terms to `vocab`/`column` in place."""
    data: list[int] = []
    indices: list[int] = []
    indptr = [0]
    for case in cases:
        for term, n in sorted(Counter(case_tokens(case, analyzer)).items()):
            col = column.get(term)
            if col is None:
                col = column[term] = len(vocab)
                vocab.append(term)
            indices.append(col)
            data.append(n)
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32),
         np.asarray(indptr, dtype=np.int64)), shape=(len(cases), max(len(vocab), 1)))


def build_table(live: dict[str, Case], previous: TermTable | None,
                changed: set[str], analyzer: Analyzer) -> TermTable:
    """The table of `live`, reusing `previous` rows of every case not in `changed`."""
    slugs = sorted(live)
    vocab = list(previous.vocab) if previous else []
    column = {t: i for i, t in enumerate(vocab)}
    old_row = {s: i for i, s in enumerate(previous.slugs)} if previous else {}
    keep = [s for s in slugs if s in old_row and s not in changed]
    kept = set(keep)
    fresh = [s for s in slugs if s not in kept]
    new_rows = _rows([live[s] for s in fresh], vocab, column, analyzer)
    width = max(len(vocab), 1)
    parts = []
    if keep:
        old = previous.counts[[old_row[s] for s in keep]]
        old.resize((old.shape[0], width))
        parts.append(old)
    new_rows.resize((new_rows.shape[0], width))
    parts.append(new_rows)
    counts = sparse.vstack(parts, format="csr") if len(parts) > 1 else parts[0].tocsr()
    order = keep + fresh  # back to slug order, so row i is always slugs[i]
    position = {s: i for i, s in enumerate(order)}
    counts = counts[[position[s] for s in slugs]]
    return TermTable(counts.tocsr(), slugs, vocab)


def write_table(folder: Path, table: TermTable) -> None:
    c = table.counts
    np.savez(folder / ARRAYS, data=c.data, indices=c.indices, indptr=c.indptr,
             shape=np.asarray(c.shape, dtype=np.int64), lengths=table.lengths)
    store.write_json(folder / META, {"format": TERMS_FORMAT, "slugs": table.slugs,
                                     "vocab": table.vocab})


def read_table(folder: Path) -> TermTable:
    """The generation's table.

    :raise FileNotFoundError: when the generation has none (built before term arrays).
    :raise ValueError: when its format is older or its parts disagree.
    """
    meta = store.read_json(folder / META)
    if meta.get("format") != TERMS_FORMAT:
        raise ValueError(f"term arrays format {meta.get('format')} != {TERMS_FORMAT}")
    with np.load(folder / ARRAYS) as z:
        counts = sparse.csr_matrix((z["data"], z["indices"], z["indptr"]),
                                   shape=tuple(int(x) for x in z["shape"]))
    if counts.shape[0] != len(meta["slugs"]) or counts.shape[1] < len(meta["vocab"]):
        raise ValueError("term arrays and their slug or vocabulary lists disagree")
    return TermTable(counts, meta["slugs"], meta["vocab"])
