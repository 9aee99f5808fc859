"""Run a search end to end: keyword + vector, fusion, filters, facets, snippets, one page."""

from __future__ import annotations

import time
from dataclasses import dataclass
from dataclasses import field

from casefile.case import Case
from casefile.case_view import case_card
from indexer.store import IndexCorruptError
from search.concepts import read_query
from search.concepts import rephrasings
from search.concepts import score_cases
from search.facets import facet_counts
from search.facets import matches
from search.generation import Generation
from search.generation import SearchService
from search.highlight import best_snippet
from search.highlight import highlight
from search.keyword import keyword_hits
from search.keyword import plan_query
from search.numeric import score_conditions
from search.query import SearchQuery
from search.rank import Hit
from search.rank import Weights
from search.rank import fuse
from search.rank import query_kind
from search.tiers import split_tiers
from search.tiers import tier
from search.vector import vector_hits
from search.words import shown_words

MODES = ("hybrid", "keyword", "vector")
WIDEN_MEANING = True  # add a plain-words query's concepts to the meaning query (gated)
KIND_ORDER = {"case": 0, "practice": 1, "overview": 2}
VECTOR_CANDIDATES = 100


@dataclass
class SearchResult:
    query: SearchQuery
    total: int  # direct hits: cases that answer the query
    hits: list[dict]
    facets: dict
    generation: str
    mode: str
    words: list[str] = field(default_factory=list)  # the query as the analyzer read it
    notices: list[str] = field(default_factory=list)
    millis: float = 0.0
    related_total: int = 0  # cases only near the query in meaning, listed after the direct ones
    suggestions: list[str] = field(default_factory=list)  # rephrasings when nothing is direct

    @property
    def pages(self) -> int:
        return max(1, -(-(self.total + self.related_total) // self.query.per_page))


@dataclass
class Evidence:
    """Everything the sources found for one query, before fusion (evaluation re-fuses it)."""

    keyword: list = field(default_factory=list)
    vector: list = field(default_factory=list)
    concepts: dict | None = None
    numeric: dict | None = None
    kind: str = "other"
    words: list[str] = field(default_factory=list)  # chips: meaningful words, needs as concepts
    hidden: set[str] = field(default_factory=set)  # query words never shown or marked
    notices: list[str] = field(default_factory=list)

    def fuse(self, weights: Weights | None = None) -> list[Hit]:
        return fuse(self.keyword, self.vector, concepts=self.concepts, numeric=self.numeric,
                    kind=self.kind, weights=weights)


def gather(service: SearchService, gen: Generation, query: SearchQuery,
           mode: str = "hybrid") -> Evidence | None:
    """Keyword, meaning, concept and numeric evidence for a non-empty query (None: no words)."""
    plan = plan_query(gen.analyzer, query.terms_text, query.phrases)
    if not plan.groups and not plan.phrases and not query.conditions:
        return None
    out = Evidence(words=plan.words)
    if mode != "vector" and (plan.groups or plan.phrases):
        try:
            out.keyword = keyword_hits(gen.keyword, plan)
        except OSError as exc:  # segment files removed under a running worker
            raise IndexCorruptError(f"{gen.name}: {exc}") from exc
    concepts = read_query(query.text, gen) if mode == "hybrid" else None
    if mode != "keyword":
        if service.vectors_usable:
            text = query.text
            if concepts is not None and WIDEN_MEANING and concepts.expansion():
                text = f"{text} {' '.join(concepts.expansion())}"
            out.vector = vector_hits(gen, service.query_vector(text), VECTOR_CANDIDATES)
        else:
            out.notices.append("语义检索暂不可用（索引与模型不一致），仅按关键词检索")
    needs = [(m.start, m.end, m.concept) for m in (concepts.matches if concepts else [])
             if m.need and m.concept in concepts.weights]
    out.words, out.hidden = shown_words(query.terms_text, plan.words, needs)
    out.words += [c.describe() for c in query.conditions]
    if concepts is not None:
        found = {k.slug for k in out.keyword} | {v.slug for v in out.vector}
        out.concepts = score_cases(concepts, gen, found)
        out.numeric = score_conditions(list(query.conditions), gen.facts)
        out.kind = query_kind(out.keyword, plan.exact_needed, concepts.widen,
                              bool(query.conditions))
    return out


def rank_cases(service: SearchService, gen: Generation, query: SearchQuery,
               mode: str = "hybrid") -> tuple[list[Hit], list[str], list[str]]:
    """Every case the query finds, best first (no filters), the query words and notices."""
    if query.is_empty:
        order = sorted(gen.catalog.values(), key=lambda c: (KIND_ORDER.get(c.kind, 9), c.slug))
        return [Hit(c.slug) for c in order], [], []
    found = gather(service, gen, query, mode)
    if found is None:
        return [], [], ["搜索内容里没有可检索的词（只有标点、表情或“的、怎么”这类虚词）"]
    hits = found.fuse()
    for h in hits:
        h.matched -= found.hidden
    return hits, found.words, found.notices


def run_search(service: SearchService, query: SearchQuery, mode: str = "hybrid") -> SearchResult:
    started = time.perf_counter()
    gen = service.generation()
    ranked, words, notices = rank_cases(service, gen, query, mode)
    if gen.facets is not None:
        facets = gen.facets.counts([h.slug for h in ranked], query)
    else:
        facets = facet_counts([gen.catalog[h.slug] for h in ranked if h.slug in gen.catalog],
                              query)
    kept = [h for h in ranked if h.slug in gen.catalog and matches(gen.catalog[h.slug], query)]
    direct, related = split_tiers(kept, browsing=query.is_empty)
    kept = direct + related
    first = (query.page - 1) * query.per_page
    page = [hit_view(gen, h, gen.catalog[h.slug], browsing=query.is_empty)
            for h in kept[first:first + query.per_page]]
    if kept and first >= len(kept):
        notices.append("页码超出范围")
    suggestions = [] if direct or query.is_empty else rephrasings(query.text, gen)
    return SearchResult(query=query, total=len(direct), hits=page, facets=facets,
                        generation=gen.name, mode=mode, words=words, notices=notices,
                        millis=(time.perf_counter() - started) * 1000,
                        related_total=len(related), suggestions=suggestions)


def hit_view(gen: Generation, hit: Hit, case: Case, browsing: bool = False) -> dict:
    """What a result shows: the case's card (casefile/case_view.py), a highlighted snippet and
    the evidence; `why` says in plain words why it was found (ranks stay in `evidence`)."""
    fallback = None
    if hit.chunk is not None:
        fallback = (gen.chunk_sections[hit.chunk], gen.chunk_texts[hit.chunk])
    snippet = best_snippet(gen.analyzer, case, hit.matched, fallback)
    return {
        **case_card(case),
        "title_html": highlight(gen.analyzer, case.title, hit.matched),
        "snippet": snippet.html,
        "snippet_section": snippet.section,
        "score": round(hit.score, 4),
        "tier": "direct" if browsing else tier(hit),
        "matched": sorted(w for w in hit.matched if w),
        "evidence": hit.evidence(),
        "why": why(hit, case),
    }


def why(hit: Hit, case: Case) -> list[str]:
    """Plain-words reasons: 标题和正文都提到：光伏 · 条件：… · 按需求匹配：土地流转 · 内容相近."""
    out = []
    if hit.exact:
        out.append("原样包含查询里的引号短语或数字")
    words = sorted(w for w in hit.matched if w)
    words = [w for w in words if not any(o != w and o in w for o in words)]  # 光伏, not 光伏发电
    if words:
        in_title = [w for w in words if w in case.title]
        in_text = [w for w in words if w not in in_title]
        both = [w for w in in_title if any(w in text for _, text in case.passages)]
        if both:
            out.append(f"标题和正文都提到：{'、'.join(both)}")
        if [w for w in in_title if w not in both]:
            out.append(f"标题提到：{'、'.join(w for w in in_title if w not in both)}")
        if in_text:
            out.append(f"正文提到：{'、'.join(in_text)}")
    out += hit.numeric.describe() + hit.concept.describe()
    if not out and hit.vector_score is not None:
        out.append("内容与查询意思相近")
    return out
