"""Text evidence for recommendations: the goals' words (BM25) and the profile's meaning.

Words go through the same analyzer, synonyms and Okapi BM25 arrays as keyword search, so that
"老村部" finds 闲置村部 even without a usable embedding model. Unlike a search query, a goals
text is long and colloquial: only words that can tell entries apart are kept, and any of them
may match (plain OR), since no entry is expected to hold them all.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from recommend.profile import VillageProfile
from search.generation import Generation
from search.generation import SearchService
from search.keyword import KeywordPlan
from search.keyword import keyword_hits
from search.keyword import plan_query
from search.query import clean_text
from search.vector import case_scores

# Colloquial filler in goals texts that the shared analyzer keeps as words.
GOAL_FILLER = frozenset("村里 本村 我村 起来 方面 问题 办法 基础 一定 别的 已有 不少 几个 现在 "
                        "希望 知道 不知道 一起 主要 这样 那样 愿意 没人 留在".split())
COMMON_WORD_SHARE = 0.5  # goal words in more than this share of entries carry no evidence
WORDS_COVERAGE_SHARE = 0.5  # words score = share * coverage + (1 - share) * bm25 / best bm25
WORD_HITS_LIMIT = 500  # entries further down the goals' keyword ranking get no words credit
# A goal word in an entry's title says what the entry is about, more than the same word deep in
# its body (what the title weight of the BM25F query this replaced did): each such word adds
# this many times its idf to the entry's BM25 score. Chosen on the profiles suite (nDCG@5,
# fake embedder: 0 -> 0.935, 1 -> 0.940, 2 -> 0.942, 4 -> 0.933).
TITLE_BONUS = 2.0


def distinctive(arrays, plan: KeywordPlan) -> tuple[KeywordPlan, dict[str, float]]:
    """The goal words that can tell entries apart, and each one's idf: a long colloquial text
    is full of words every case shares (集体经济), single characters (用, 上) and filler.

    :param arrays: the generation's `search.bm25.Bm25Arrays`.
    """
    n = max(arrays.n, 1)
    kept, idf = [], {}
    for g in plan.groups:
        if (len(g.word) < 2 and not g.literal) or g.word in GOAL_FILLER:
            continue
        df = max(len(arrays.holding(form)) for form in g.forms)
        if df <= COMMON_WORD_SHARE * n:
            kept.append(g)
            idf[g.word] = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return KeywordPlan(kept, [], any(g.literal for g in kept)), idf


def word_scores(gen: Generation, goals: str) -> dict[str, tuple[float, list[str]]]:
    """Keyword evidence of the goals per entry: score in [0, 1] and the goal words it holds."""
    out: dict[str, tuple[float, list[str]]] = {}
    plan, idf = distinctive(gen.keyword.arrays,
                            plan_query(gen.analyzer, clean_text(goals), ()))
    if not plan.groups:
        return out
    hits = keyword_hits(gen.keyword, plan, limit=WORD_HITS_LIMIT)
    scores = {}
    for hit in hits:
        case = gen.catalog[hit.slug]
        lead = _title_words(gen.analyzer, case.title)
        bonus = sum(idf[g.word] for g in plan.groups if lead.intersection(g.forms))
        scores[hit.slug] = (hit.score + TITLE_BONUS * bonus,
                            [g.word for g in plan.groups if hit.matched.intersection(g.forms)])
    top, total = max((s for s, _ in scores.values()), default=0.0), sum(idf.values()) or 1.0
    for slug, (score, matched) in scores.items():
        coverage = sum(idf[w] for w in matched) / total
        relative = score / top if top > 0 else 0.0
        out[slug] = (WORDS_COVERAGE_SHARE * coverage + (1 - WORDS_COVERAGE_SHARE) * relative,
                     matched)
    return out


@lru_cache(maxsize=20000)
def _title_words(analyzer, title: str) -> frozenset[str]:
    """The index-mode words of an entry's title (cached: the same entries come back)."""
    return frozenset(t.text for t in analyzer.analyze(title))


def meaning_scores(service: SearchService, gen: Generation, profile: VillageProfile
                   ) -> dict[str, tuple[float, float]]:
    """Min-max normalised best-passage cosine per entry, and the raw cosine."""
    if not service.vectors_usable or not gen.slugs:
        return {}
    best, _ = case_scores(gen, service.embedder.encode_query(profile.text()))
    low, high = float(np.min(best)), float(np.max(best))
    spread = high - low
    return {s: ((float(c) - low) / spread if spread > 0 else 0.0, float(c))
            for s, c in zip(gen.slugs, best, strict=True)}


MEANING_STANDOUT_Z = 1.5  # standard deviations above the library's mean cosine
MEANING_STANDOUT_TOP = 3


def meaning_standouts(meaning: dict[str, tuple[float, float]]) -> set[str]:
    """Entries whose text is clearly closer to the profile than the rest of the library.

    e5 cosines bunch (0.90-0.91 for most entries), so a cosine printed on every result says
    nothing; only an entry well above the library's mean earns a meaning reason.
    """
    if len(meaning) < 3:
        return set()
    cosines = np.array([c for _, c in meaning.values()], dtype=np.float64)
    mean, std = float(cosines.mean()), float(cosines.std())
    if std <= 0:
        return set()
    ranked = sorted(meaning, key=lambda s: -meaning[s][1])[:MEANING_STANDOUT_TOP]
    return {s for s in ranked if (meaning[s][1] - mean) / std >= MEANING_STANDOUT_Z}
