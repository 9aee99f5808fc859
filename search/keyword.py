"""Keyword retrieval: Okapi BM25 over the generation's term arrays, phrases and literals first.

Plain Okapi BM25 (k1 1.2, b 0.75, Lucene idf) over one bag of the analyzer's index-mode tokens
of all four text fields; the query's words and their canonical synonyms each count once. No
field weights, no coordination factor, no whole-query phrase bonus: each extra was measured on
the odd-numbered queries of every set and none won on all of them (nDCG@10, keyword mode, one
`casebase eval`-equivalent run per set, 2026-11-30; odd tunes, even reports):

| set (queries)        | rank-bm25 odd/even | Okapi here odd/even | +coord 0.2 odd | title x2 odd |
|----------------------|--------------------|---------------------|----------------|--------------|
| retrieval-zh (300)   | 0.6536 / 0.6972    | 0.6871 / 0.7253     | 0.6906         | 0.6871       |
| real-cases-dev (101) | 0.5364 / 0.4886    | 0.6165 / 0.5348     | 0.6178         | 0.6195       |
| cases suite (73)     | 0.8964 / 0.8942    | 0.9094 / 0.9565     | 0.9022         | 0.9094       |

The cases-suite row is the library before issue 11's corrections; on the corrected library
keyword scores 0.918 / 0.951 against rank-bm25's 0.889 / 0.895.
Parameters tried on the odd halves (k1/b 1.5/0.75, 0.9/0.4, 1.2/0.5) each lost on at least one
set. The old BM25F query over Whoosh (field boosts title 3, summary 2, traits 2, coordination,
phrase boost) scored 0.727 / 0.524 / 0.923 on the whole sets; it is gone, and recommendation
reasons score goal words with these same arrays. Whoosh still holds the positions for quoted
phrases (`search.bm25.PhraseChecker`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

import numpy as np

from analysis.analyzer import Analyzer
from analysis.segment import NUMBER_RE

MAX_QUERY_WORDS = 40
# Cases a query returns at most: more never changed a ranking's top 100 in our evaluations,
# and scoring them is what a broad query's time goes on.
KEYWORD_LIMIT = 500
# Quoted phrases are checked word for word in Whoosh on at most this many of the best cases
# holding all their words; a lower-ranked holder is not lifted into the exact tier.
EXACT_CHECK_LIMIT = 200


@dataclass(frozen=True)
class TermGroup:
    """One query word and its equivalents (synonym canonical form)."""

    word: str
    forms: tuple[str, ...]
    literal: bool = False


@dataclass
class KeywordPlan:
    groups: list[TermGroup]
    phrases: list[list[str]]  # quoted phrases as word sequences
    exact_needed: bool  # quoted phrases or literals present: exact matches rank first

    @property
    def words(self) -> list[str]:
        return [g.word for g in self.groups]


@dataclass
class KeywordHit:
    slug: str
    score: float
    rank: int
    matched: set[str] = field(default_factory=set)  # query words found in the case
    coverage: float = 0.0  # idf-weighted share of the query's words found
    exact: bool = False


YEAR_RE = re.compile(r"^(?:19|20)\d\d年$")


def is_literal(word: str) -> bool:
    """1+2+N, 750亩, 50万元: kept whole and matched first. A year (2021年) only dates the
    text, and would put every case mentioning that year above the ones that answer."""
    if YEAR_RE.match(word):
        return False
    return "+" in word or bool(NUMBER_RE.match(word) and not word.isdigit())


def plan_query(analyzer: Analyzer, terms_text: str, phrases: tuple[str, ...]) -> KeywordPlan:
    """Analyse the query with the same analyzer as the index (query mode)."""
    groups: dict[str, TermGroup] = {}
    tokens = analyzer.analyze(terms_text, mode="query") + [
        t for p in phrases for t in analyzer.analyze(p, mode="query")]
    current = None  # a main word, then its equivalents at the same position
    for tok in tokens:
        if tok.main:
            current = tok.text
            groups.setdefault(current, TermGroup(current, (current,), is_literal(current)))
        elif current is not None and tok.text not in groups[current].forms:
            g = groups[current]
            groups[current] = TermGroup(g.word, g.forms + (tok.text,), g.literal)
    phrase_words = [analyzer.segment(p) for p in phrases]
    phrase_words = [w for w in phrase_words if w]
    plan_groups = list(groups.values())[:MAX_QUERY_WORDS]
    exact = bool(phrase_words) or any(g.literal for g in plan_groups)
    return KeywordPlan(plan_groups, phrase_words, exact)


def keyword_hits(index, plan: KeywordPlan, limit: int | None = KEYWORD_LIMIT
                 ) -> list[KeywordHit]:
    """The `limit` best cases for the plan by Okapi BM25 over the generation's term arrays,
    cases holding every quoted phrase and literal first, with the words each matched.

    :param index: the generation's `search.bm25.KeywordIndex` (was a Whoosh searcher).
    """
    arrays = index.arrays
    terms = [form for g in plan.groups for form in g.forms]
    if not terms:
        return []
    scores = arrays.scores(terms)
    found = np.flatnonzero(scores > 0)
    exact = _exact_rows(index, plan, scores)
    order = found[np.lexsort((-scores[found], ~np.isin(found, exact)))]
    if limit is not None:
        order = order[:limit]
    idf = {g.word: max(arrays.idf(f) for f in g.forms) for g in plan.groups}
    total_idf = sum(idf.values()) or 1.0
    held = _held(arrays, [form for g in plan.groups for form in g.forms], order)
    exact_set = set(exact.tolist())
    hits = []
    for rank, row in enumerate(order.tolist(), 1):
        forms = {f for f, has in held.items() if has[rank - 1]}
        matched = {g.word for g in plan.groups if forms.intersection(g.forms)}
        hits.append(KeywordHit(
            slug=arrays.slugs[row], score=float(scores[row]), rank=rank, matched=matched | forms,
            coverage=sum(idf[w] for w in matched) / total_idf, exact=row in exact_set,
        ))
    return hits


def _held(arrays, forms: list[str], order: np.ndarray) -> dict[str, list[bool]]:
    """For each query form, whether each of the `order` rows holds it (one mask per form)."""
    out = {}
    for form in dict.fromkeys(forms):
        mask = np.zeros(arrays.n, dtype=bool)
        mask[arrays.holding(form)] = True
        out[form] = mask[order].tolist()
    return out


def _exact_rows(index, plan: KeywordPlan, scores: np.ndarray) -> np.ndarray:
    """Rows holding every literal and every quoted phrase word for word.

    Single words are checked in the arrays; multi-word phrases in Whoosh, on the
    EXACT_CHECK_LIMIT best-scoring cases that hold all their words.
    """
    singles = [g.word for g in plan.groups if g.literal]
    singles += [p[0] for p in plan.phrases if len(p) == 1]
    multi = [p for p in plan.phrases if len(p) > 1]
    if not singles and not multi:
        return np.empty(0, dtype=np.int64)
    arrays = index.arrays
    rows = None
    for word in singles + [w for p in multi for w in p]:
        held = arrays.holding(word)
        rows = held if rows is None else np.intersect1d(rows, held, assume_unique=True)
    if multi and rows.size:
        rows = rows[np.argsort(-scores[rows], kind="stable")][:EXACT_CHECK_LIMIT]
        slugs = [arrays.slugs[r] for r in rows.tolist()]
        for words in multi:
            held = index.phrases.holding(words, slugs)
            slugs = [s for s in slugs if s in held]
        rows = np.asarray(sorted(arrays.row_of[s] for s in slugs), dtype=np.int64)
    return rows.astype(np.int64)
