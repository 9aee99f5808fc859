"""Concept evidence: what a query asks for, by the concept lexicon, against each case's concepts.

The query is tagged with the same lexicon the build used on every case (analysis/concepts.py).
Each phrase found in the query counts once, by the rarest concept it points to that the case
holds (a need like 卖不上价 is answered by 加工, 品牌 or 电商, any of them); a case's score is the
idf-weighted share of the query's phrases it answers, each saturating with the case's strength
on the concept. The same matches say why a case was found ("按需求匹配：土地托管（“地没人种”）").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from dataclasses import field

from analysis.concepts import ConceptMatch
from analysis.concepts import Lexicon
from analysis.concepts import tag_text

SATURATION = 2.0  # a case strength of 2 gives half of the phrase's weight, 6 three quarters
PROVINCES = ("北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 "
             "河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 "
             "新疆").split()


@dataclass
class QueryConcepts:
    matches: list[ConceptMatch]
    weights: dict[str, float]  # concept -> idf over the serving generation (held by some case)
    widen: bool = False  # plain-words need without place names or numbers

    @property
    def phrases(self) -> dict[str, list[str]]:
        """Query phrase -> the concepts it points to, in query order."""
        out: dict[str, list[str]] = {}
        for m in self.matches:
            concepts = out.setdefault(m.phrase, [])
            if m.concept not in concepts:
                concepts.append(m.concept)
        return out

    def expansion(self) -> list[str]:
        """Concept names that widen a plain-words query (empty when the gate is closed)."""
        if not self.widen:
            return []
        seen: list[str] = []
        for m in self.matches:
            if m.need and m.concept in self.weights and m.concept not in seen:
                seen.append(m.concept)
        return seen


@dataclass
class ConceptEvidence:
    score: float = 0.0  # 0..1: the weighted share of the query's phrases this case answers
    found: list[tuple[str, list[str]]] = field(default_factory=list)  # (phrase, its concepts)

    def describe(self) -> list[str]:
        """Plain-words reasons, e.g. 按需求匹配：土地托管、土地流转（“地没人种”）."""
        out = []
        for phrase, concepts in self.found:
            named = [c for c in concepts if c != phrase]  # 光伏发电 -> 光伏发电 says nothing
            if named:
                out.append(f"按需求匹配：{'、'.join(named)}（“{phrase}”）")
        return out


def concept_idf(concepts: dict[str, dict[str, int]]) -> dict[str, float]:
    """Concept -> idf over the cases that hold it (Generation.derive)."""
    df: dict[str, int] = {}
    for held in concepts.values():
        for concept in held:
            df[concept] = df.get(concept, 0) + 1
    n = max(1, len(concepts))
    return {c: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for c, d in df.items()}


def place_pattern(catalog) -> re.Pattern:
    """Province names and every region name of the library: a query naming one is not widened."""
    names = set(PROVINCES)
    for case in catalog.values():
        r = case.region
        for name in (r.province, r.city, r.county, r.township, r.village):
            if name and len(name.strip("*")) >= 2 and "*" not in name:
                names.add(name)
    return re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True)))


def read_query(text: str, gen, lexicon: Lexicon | None = None) -> QueryConcepts:
    """The concepts a query speaks of, weighted by how rare they are in this library."""
    matches = tag_text(text, lexicon or gen.analyzer.lexicon)
    idf = gen.concept_idf
    weights = {m.concept: idf[m.concept] for m in matches if m.concept in idf}
    needs = any(m.need for m in matches)
    plain = not re.search(r"\d", text) and not gen.place_re.search(text)
    return QueryConcepts(matches, weights, widen=needs and plain)


def concept_postings(concepts: dict[str, dict[str, int]]
                     ) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """concept -> {slug: strength} and each slug's position (Generation.derive).

    Scoring walks only the cases that hold one of the query's concepts, not the whole library:
    at 10,000 cases the full walk was most of a hybrid query's time.
    """
    postings: dict[str, dict[str, int]] = {}
    for slug, held in concepts.items():
        for concept, strength in held.items():
            if strength:
                postings.setdefault(concept, {})[slug] = strength
    return postings, {slug: i for i, slug in enumerate(concepts)}


def score_cases(qc: QueryConcepts, gen,
                candidates: set[str] | None = None) -> dict[str, ConceptEvidence]:
    """Concept evidence for every case that answers at least one of the query's phrases.

    `candidates` limits the work to the cases keyword or meaning search found: fusion attaches
    concept evidence to those only, so the result for them is the same.
    """
    phrases = {p: [c for c in cs if c in qc.weights] for p, cs in qc.phrases.items()}
    phrases = {p: cs for p, cs in phrases.items() if cs}
    if not phrases:
        return {}
    postings, order = gen.concept_postings, gen.case_order
    total = sum(max(qc.weights[c] for c in cs) for cs in phrases.values())
    out: dict[str, ConceptEvidence] = {}
    for phrase, concepts in phrases.items():
        holders = {slug for c in concepts for slug in postings.get(c, ())}
        if candidates is not None:
            holders &= candidates
        for slug in holders:
            answered = [c for c in concepts if slug in postings.get(c, ())]
            best = max(qc.weights[c] * postings[c][slug] / (postings[c][slug] + SATURATION)
                       for c in answered)
            ev = out.setdefault(slug, ConceptEvidence())
            ev.score += best / total
            ev.found.append((phrase, answered))
    # Catalog order, as the full walk gave it: ties downstream keep their old order.
    return dict(sorted(out.items(), key=lambda item: order[item[0]]))


def rephrasings(text: str, gen, limit: int = 5) -> list[str]:
    """Concept names to search for instead, when nothing answers the query as worded.

    Only concepts some case of this library holds, so every suggestion finds something.
    """
    qc = read_query(text, gen)
    out: list[str] = []
    for m in qc.matches:
        if m.concept in qc.weights and m.concept not in out and m.concept != text.strip():
            out.append(m.concept)
    return out[:limit]
