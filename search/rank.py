"""Fuse keyword, meaning, concept and numeric evidence into one ranking, keeping each.

Each case scores w * keyword + (1 - w) * meaning + coverage_bonus * coverage
+ concept * concepts + numeric * conditions, where keyword is its BM25 score over the best one,
meaning its best-passage cosine min-max scaled over the vector candidates, coverage the
idf-weighted share of the query's words it holds, concepts the share of the query's needs its
concepts answer (search/concepts.py) and conditions the share of the query's numeric conditions
its own figures meet (search/numeric.py). The per-query keyword weight is
w = kw_base + kw_span * coverage of the best keyword hit + shift[kind], the kind of query being
literal, numeric, complete (some case holds every word), need (plain-words problem) or other
(query_kind()). Cases holding a quoted phrase or a literal (1+2+N, 750亩) word for word always
come first. The constants live in one `Weights` object so evaluation/tune.py can re-fuse.

Issue 20, leave-one-set-out (`casebase eval --leave-one-out`, evaluation/tune.py: coordinate
search over kw_base, kw_span, coverage, concept, numeric and the kind shifts, objective the mean
nDCG@10 of the tuning sets; tune on the other two sets, report the one left out). e5-small,
2 cores shared with five other engineers' jobs (load ~19), 2026-12-06, final code:

| left out       | baseline | keyword | vector | hybrid kept* | hybrid tuned on the other two |
|----------------|----------|---------|--------|--------------|-------------------------------|
| cases suite    | 0.892    | 0.934   | 0.880  | 0.970        | 0.972                         |
| real-cases-dev | 0.513    | 0.589   | 0.515  | 0.676        | 0.678                         |
| retrieval-zh   | 0.675    | 0.706   | 0.768  | 0.791        | 0.783                         |

The tuned weights (e.g. without retrieval-zh: kw_base 0.35, kw_span 0.2, coverage 0.3,
concept 0.8, complete +0.2, need +0.2) gain 0.002 on the two small sets and lose 0.008 on
retrieval-zh: they do not carry to text they were not tuned on, so the kept weights are
issue 13's with no kind shift, plus numeric 1.0. An earlier two-set run (cases suite and
real-cases-dev only) told the same story:
Tuned on the cases suite, the best weights were kw_base 0.25, kw_span 0, coverage 0.1,
concept 0.6, complete +0.2, need +0.3; tuned on real-cases-dev, kw_base 0.5, kw_span 0.2,
need +0.1: keyword weight moving in opposite directions, and each lost on the set left out. So
the kept weights are issue 13's (chosen across the three sets' odd halves) with no kind shift,
plus numeric 1.0 (a case meeting every condition of the query counts as much as the best keyword
match; tuned on real-cases-dev it stayed 1.0). Tuned on both sets at once, the search reached
0.972 / 0.686, which is what fitting the sets one reports on looks like, not a gain to ship.
Also measured and not kept: pseudo-relevance feedback on the meaning side (Rocchio, top 3-10
fused cases, weight 0.3-1.0): real-cases-dev 0.670-0.678, cases 0.970-0.973, even halves
within ±0.005 (search/engine.py WIDEN_MEANING is kept).

On every set and half the kept hybrid is above keyword, vector and the baseline
(README, 质量与速度). Issue 13's table (convex vs RRF vs CombMNZ, even halves) chose the convex
sum: cases 0.971 / 0.978 / 0.971, real-cases-dev 0.620 / 0.590 / 0.610, retrieval-zh
0.807 / 0.799 / 0.805.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from search.concepts import ConceptEvidence
from search.keyword import KeywordHit
from search.numeric import NumericEvidence
from search.vector import VectorHit

METHOD = "convex"  # how fuse() combines the evidence: convex | rrf | combmnz
RRF_K = 60
RRF_KEYWORD = 1.0
RRF_VECTOR = 1.0
RRF_CONCEPT = 0.5
# With keyword hits present, vector hits without a keyword match join only this close to the
# best cosine; with none (meaning search, or no word found) every vector candidate joins.
VECTOR_MARGIN = 0.06
VECTOR_ONLY_LIMIT = 20
KINDS = ("literal", "complete", "need", "numeric", "other")


@dataclass(frozen=True)
class Weights:
    """The fusion constants (module docstring); `shift` moves the keyword weight per query kind."""

    kw_base: float = 0.4
    kw_span: float = 0.1
    coverage: float = 0.2  # bonus for the idf-weighted share of the query's words a case holds
    concept: float = 0.45  # concept evidence (search/concepts.py), added to the fused score
    numeric: float = 1.0  # share of the query's numeric conditions a case's own figures meet
    shift: tuple[tuple[str, float], ...] = ()  # (query kind, change of the keyword weight)

    def keyword_weight(self, kind: str, coverage: float) -> float:
        return min(1.0, max(0.0, self.kw_base + self.kw_span * coverage
                            + dict(self.shift).get(kind, 0.0)))


WEIGHTS = Weights()
CONCEPT_WEIGHT = WEIGHTS.concept


@dataclass
class Hit:
    slug: str
    score: float = 0.0
    keyword_rank: int | None = None
    keyword_score: float | None = None
    vector_rank: int | None = None
    vector_score: float | None = None
    matched: set[str] = field(default_factory=set)
    coverage: float = 0.0
    exact: bool = False
    chunk: int | None = None  # best passage row, for the snippet of a meaning-only hit
    concept: ConceptEvidence = field(default_factory=ConceptEvidence)
    numeric: NumericEvidence = field(default_factory=NumericEvidence)

    def evidence(self) -> dict:
        return {
            "keyword_rank": self.keyword_rank,
            "keyword_score": _round(self.keyword_score),
            "vector_rank": self.vector_rank,
            "vector_score": _round(self.vector_score),
            "exact": self.exact,
            "coverage": round(self.coverage, 3),
            "concept_score": round(self.concept.score, 3),
            "concepts": [{"need": p, "concepts": cs} for p, cs in self.concept.found],
            "conditions": self.numeric.describe(),
            "reasons": self.numeric.describe() + self.concept.describe(),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def merge(keyword: list[KeywordHit], vector: list[VectorHit],
          concepts: dict[str, ConceptEvidence] | None = None,
          numeric: dict[str, NumericEvidence] | None = None) -> dict[str, Hit]:
    """Every case either list found, and every case meeting a numeric condition; a
    meaning-only case far below the best joins only when the query's concepts vouch for it."""
    concepts = concepts or {}
    numeric = numeric or {}
    hits: dict[str, Hit] = {}
    for k in keyword:
        hits[k.slug] = Hit(k.slug, keyword_rank=k.rank, keyword_score=k.score,
                           matched=set(k.matched), coverage=k.coverage, exact=k.exact)
    best = vector[0].score if vector else 0.0
    for v in vector:
        hit = hits.get(v.slug)
        if hit is None:
            far = v.rank > VECTOR_ONLY_LIMIT or v.score < best - VECTOR_MARGIN
            if keyword and far and v.slug not in concepts and v.slug not in numeric:
                continue
            hit = hits[v.slug] = Hit(v.slug)
        hit.vector_rank, hit.vector_score, hit.chunk = v.rank, v.score, v.chunk
    for slug, ev in concepts.items():
        if slug in hits:
            hits[slug].concept = ev
    for slug, ev in numeric.items():
        hits.setdefault(slug, Hit(slug)).numeric = ev
    return hits


def fuse(keyword: list[KeywordHit], vector: list[VectorHit], method: str = "adaptive",
         keyword_weight: float | None = None,
         concepts: dict[str, ConceptEvidence] | None = None,
         numeric: dict[str, NumericEvidence] | None = None,
         kind: str = "other", weights: Weights | None = None) -> list[Hit]:
    """One ranking of every case either list found, best first.

    :param kind: the kind of query (query_kind()), which moves the keyword weight.
    """
    weights = weights or WEIGHTS
    hits = merge(keyword, vector, concepts, numeric)
    method = METHOD if method == "adaptive" else method
    if method == "rrf":
        _rrf(hits)
    elif method == "combmnz":
        _combmnz(hits, keyword, vector)
    else:
        if keyword_weight is None:
            coverage = keyword[0].coverage if keyword else 0.0
            keyword_weight = weights.keyword_weight(kind, coverage)
        _weighted(hits, keyword, vector, keyword_weight, weights.coverage)
        for h in hits.values():
            h.score += weights.concept * h.concept.score + weights.numeric * h.numeric.share
    return sorted(hits.values(), key=lambda h: (not h.exact, -h.score, h.slug))


def query_kind(keyword: list[KeywordHit], exact_needed: bool, need: bool,
               numeric: bool) -> str:
    """literal (quoted or 1+2+N), numeric (a condition on figures), complete (some case holds
    every word), need (a plain-words problem), else other."""
    if exact_needed:
        return "literal"
    if numeric:
        return "numeric"
    if keyword and keyword[0].coverage >= 0.999:
        return "complete"
    return "need" if need else "other"


def _rrf(hits: dict[str, Hit]) -> None:
    """Weighted reciprocal-rank fusion of the keyword, meaning and concept rankings."""
    by_concept = sorted((h for h in hits.values() if h.concept.score > 0),
                        key=lambda h: -h.concept.score)
    concept_rank = {h.slug: i for i, h in enumerate(by_concept, 1)}
    for h in hits.values():
        parts = [(RRF_KEYWORD, h.keyword_rank), (RRF_VECTOR, h.vector_rank),
                 (RRF_CONCEPT, concept_rank.get(h.slug))]
        h.score = sum(w / (RRF_K + r) for w, r in parts if r)


def _combmnz(hits: dict[str, Hit], keyword: list[KeywordHit], vector: list[VectorHit]) -> None:
    """CombMNZ: the sum of normalised scores times the number of sources that found the case."""
    k_top = keyword[0].score if keyword else 1.0
    v_scores = [v.score for v in vector]
    v_top, v_low = (max(v_scores), min(v_scores)) if v_scores else (1.0, 0.0)
    for h in hits.values():
        parts = [(h.keyword_score or 0.0) / k_top if k_top > 0 else 0.0,
                 (h.vector_score - v_low) / (v_top - v_low)
                 if h.vector_score is not None and v_top > v_low else 0.0,
                 CONCEPT_WEIGHT * h.concept.score]
        h.score = sum(parts) * sum(1 for p in parts if p > 0)


def _weighted(hits: dict[str, Hit], keyword: list[KeywordHit], vector: list[VectorHit],
              w: float, coverage_bonus: float) -> None:
    """Weighted sum of normalised scores plus the coverage bonus (module docstring)."""
    if not vector:
        w = 1.0
    elif not keyword:
        w = 0.0
    k_top = keyword[0].score if keyword else 1.0
    v_scores = [v.score for v in vector]
    v_top, v_low = (max(v_scores), min(v_scores)) if v_scores else (1.0, 0.0)
    for h in hits.values():
        kn = (h.keyword_score or 0.0) / k_top if k_top > 0 else 0.0
        vn = 0.0
        if h.vector_score is not None and v_top > v_low:
            vn = (h.vector_score - v_low) / (v_top - v_low)
        h.score = w * kn + (1 - w) * vn + coverage_bonus * h.coverage
