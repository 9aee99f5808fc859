"""More like this: cases close in meaning and sharing models, resources or industries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from casefile.case import Case
from search.generation import Generation

MEANING_WEIGHT = 0.5
TRAIT_WEIGHT = 0.5
MEANING_REASON_TOP = 3  # "内容相近" is said only of the few closest cases, not of everyone
TRAITS = (("models", "经营模式"), ("resources", "资源"), ("industries", "产业"))


@dataclass
class Similar:
    slug: str
    title: str
    score: float
    meaning: float | None
    reasons: list[str]


def case_centroids(gen: Generation) -> np.ndarray:
    """One normalised mean vector per case (cached on the generation)."""
    cached = getattr(gen, "_centroids", None)
    if cached is not None:
        return cached
    sums = np.add.reduceat(gen.vectors, gen.case_starts, axis=0) if gen.slugs else gen.vectors
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    gen._centroids = sums / np.maximum(norms, 1e-9)
    return gen._centroids


def shared_traits(a: Case, b: Case) -> tuple[float, list[str]]:
    """Jaccard overlap of the controlled traits, and the reasons worded for people."""
    reasons, overlap = [], []
    for attr, label in TRAITS:
        mine, theirs = set(getattr(a, attr)), set(getattr(b, attr))
        common = sorted(mine & theirs)
        if common:
            reasons.append(f"同为{label}：{'、'.join(common)}")
        if mine | theirs:
            overlap.append(len(mine & theirs) / len(mine | theirs))
    if a.terrain and a.terrain == b.terrain:
        reasons.append(f"同为{a.terrain}地形")
    for level in ("county", "city"):  # the nearest shared level only
        value = getattr(a.region, level)
        if value and value == getattr(b.region, level):
            reasons.append(f"同在{value}")
            break
    return (sum(overlap) / len(overlap) if overlap else 0.0), reasons


def similar_cases(gen: Generation, slug: str, limit: int = 5, use_vectors: bool = True
                  ) -> list[Similar]:
    """The `limit` cases most like `slug`, each with the traits it shares."""
    case = gen.catalog[slug]
    meaning: dict[str, float] = {}
    if use_vectors and slug in gen.slugs:
        cents = case_centroids(gen)
        sims = cents @ cents[gen.slugs.index(slug)]
        meaning = {s: float(sims[i]) for i, s in enumerate(gen.slugs)}
    closest = set(sorted((s for s in meaning if s != slug), key=lambda s: -meaning[s])[
        :MEANING_REASON_TOP])
    out = []
    for other in gen.catalog.values():
        if other.slug == slug:
            continue
        trait, reasons = shared_traits(case, other)
        m = meaning.get(other.slug)
        if other.slug in closest:
            reasons.append("内容相近")
        score = TRAIT_WEIGHT * trait + (MEANING_WEIGHT * m if m is not None else 0.0)
        out.append(Similar(other.slug, other.title, round(score, 4), m, reasons))
    out.sort(key=lambda s: (-s.score, s.slug))
    return out[:limit]
