"""Keyword retrieval: BM25F over the analysed fields, OR of words, phrases and literals first."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from dataclasses import field

from whoosh import query as wq
from whoosh.scoring import BM25F

from indexer.schema import TEXT_FIELDS
from indexer.segment import NUMBER_RE
from indexer.segment import analyze
from indexer.segment import segment

# Okapi defaults; short case fields (title, traits) need less length normalisation.
BM25_B = 0.75
BM25_K1 = 1.2
FIELD_B = {"title_B": 0.3, "traits_B": 0.3}
COORD_SCALE = 0.9  # Whoosh OrGroup coordination: more query words matched ranks higher
PHRASE_BOOST = 2.0
MAX_QUERY_WORDS = 40
# Cases a query returns at most: more never changed a ranking's top 100 in our evaluations,
# and scoring them is what a broad query's time goes on.
KEYWORD_LIMIT = 500


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


def plan_query(terms_text: str, phrases: tuple[str, ...]) -> KeywordPlan:
    """Analyse the query with the same analyzer as the index (query mode)."""
    groups: dict[str, TermGroup] = {}
    tokens = analyze(terms_text, mode="query") + [
        t for p in phrases for t in analyze(p, mode="query")]
    current = None  # a main word, then its equivalents at the same position
    for tok in tokens:
        if tok.main:
            current = tok.text
            groups.setdefault(current, TermGroup(current, (current,), is_literal(current)))
        elif current is not None and tok.text not in groups[current].forms:
            g = groups[current]
            groups[current] = TermGroup(g.word, g.forms + (tok.text,), g.literal)
    phrase_words = [segment(p) for p in phrases]
    phrase_words = [w for w in phrase_words if w]
    plan_groups = list(groups.values())[:MAX_QUERY_WORDS]
    exact = bool(phrase_words) or any(g.literal for g in plan_groups)
    return KeywordPlan(plan_groups, phrase_words, exact)


def _word_query(forms: tuple[str, ...]) -> wq.Query:
    return wq.Or([wq.Term(f, form) for f in TEXT_FIELDS for form in forms])


def _phrase_query(words: list[str], boost: float = 1.0) -> wq.Query:
    if len(words) == 1:
        return wq.Or([wq.Term(f, words[0]) for f in TEXT_FIELDS], boost=boost)
    return wq.Or([wq.Phrase(f, words, slop=1) for f in TEXT_FIELDS], boost=boost)


def build_query(plan: KeywordPlan) -> wq.Query | None:
    clauses = [_word_query(g.forms) for g in plan.groups]
    clauses += [_phrase_query(p, PHRASE_BOOST * 2) for p in plan.phrases]
    if len(plan.groups) >= 2:  # the whole query word for word ranks above scattered words
        clauses.append(_phrase_query([g.word for g in plan.groups], PHRASE_BOOST))
    return wq.Or(clauses, scale=COORD_SCALE) if clauses else None


def exact_query(plan: KeywordPlan) -> wq.Query | None:
    """Cases holding every quoted phrase and every literal (1+2+N, 750亩) word for word."""
    parts = [_phrase_query(p) for p in plan.phrases]
    parts += [_phrase_query([g.word]) for g in plan.groups if g.literal]
    return wq.And(parts) if parts else None


def weighting() -> BM25F:
    return BM25F(B=BM25_B, K1=BM25_K1, **FIELD_B)


def keyword_hits(searcher, plan: KeywordPlan, limit: int | None = KEYWORD_LIMIT
                 ) -> list[KeywordHit]:
    """Run the plan; the `limit` best matching cases, with the words each matched.

    Which words a case holds comes from the posting lists of the query's few words rather than
    from Whoosh's per-document term tracking, which walks every match and costs most of a
    query's time in a library of thousands.
    """
    idf = {g.word: _group_idf(searcher, g) for g in plan.groups}
    q = build_query(plan)
    if q is None:
        return []
    results = searcher.search(q, limit=limit)
    total_idf = sum(idf.values()) or 1.0
    holding = {form: _docs_with(searcher, form) for g in plan.groups for form in g.forms}
    eq = exact_query(plan)
    exact = set(searcher.docs_for_query(eq)) if eq is not None else set()
    slug_of = _slugs(searcher)
    hits = []
    for rank, (score, docnum) in enumerate(results.top_n, 1):
        forms = {f for f, docs in holding.items() if docnum in docs}
        matched = {g.word for g in plan.groups if forms.intersection(g.forms)}
        hits.append(KeywordHit(
            slug=slug_of(docnum), score=float(score), rank=rank, matched=matched | forms,
            coverage=sum(idf[w] for w in matched) / total_idf, exact=docnum in exact,
        ))
    return hits


def _docs_with(searcher, form: str) -> set[int]:
    docs: set[int] = set()
    for name in TEXT_FIELDS:
        if searcher.doc_frequency(name, form):
            docs.update(searcher.postings(name, form).all_ids())
    return docs


def _slugs(searcher):
    """docnum -> slug, read once per index (a generation's Whoosh index never changes)."""
    ix = getattr(searcher, "_ix", None)
    table = getattr(ix, "_casebase_slugs", None)
    if table is None:
        table = {n: f["slug"] for n, f in searcher.reader().iter_docs()}
        if ix is not None:
            ix._casebase_slugs = table
    return lambda docnum: table.get(docnum) or searcher.stored_fields(docnum)["slug"]


def _idf(n: int, df: float) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _group_idf(searcher, group: TermGroup) -> float:
    """Largest idf of the word's forms over the text fields (rarer words weigh more)."""
    n = max(searcher.doc_count(), 1)
    best = 0.0
    for form in group.forms:
        df = max(searcher.doc_frequency(f, form) for f in TEXT_FIELDS)
        best = max(best, _idf(n, df))
    return best or math.log(1 + n)
