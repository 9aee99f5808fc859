"""Villages like mine: rank the cases that fit a village profile, and say why and what differs.

A case's score is a weighted mean of components, each in [0, 1]:

- structured fit (recommend/fit.py): shared resources and industries, terrain, region
  (county > city > province), organisations the case relied on, land scale, and a fitting
  step up in income (the case started near this village's income and grew);
- words and meaning (recommend/reasons.py): the goals' distinctive words through the
  analyzer, synonyms and BM25F of search, and the profile sentence plus goals embedded as a
  query against each case's best passage.

Components the profile says nothing about drop out for every case alike, so the score stays a
share of what could be compared. Practice and overview entries describe a whole city, so they
are discounted unless the goals are about how to organise (their words then carry them). A
final MMR-style pass keeps one business model from filling the top of the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from sqlalchemy.orm import Session

from casefile.case import KINDS
from casefile.case import Case
from recommend.candidates import TEXT_CANDIDATES
from recommend.candidates import candidate_slugs
from recommend.fit import FIT_PARTS
from recommend.fit import jobs_reasons
from recommend.profile import VillageProfile
from recommend.reasons import meaning_scores
from recommend.reasons import meaning_standouts
from recommend.reasons import word_scores
from search.generation import SearchService

# ---- every weight of the ranking, in one place ---------------------------------------------
# Judged on recommend/data/eval_profiles.yaml (`casebase eval --suite profiles`), nDCG@5: all
# components 0.949 with e5-small (0.945 with the fake embedder), meaning switched off 0.942.
# Alone: words 0.77, meaning 0.74, structured fit 0.63 (a third of the profiles are goals
# only); structured fit alone already puts the right two cases first for both example
# villages of the issue. So meaning mostly breaks ties; it matters more when goals are
# phrased in words no case uses.
WEIGHTS = {
    "resources": 0.30,  # shared (or related) resources: the strongest sign a model can travel
    "industries": 0.12,
    "terrain": 0.05,
    "region": 0.05,
    "organisations": 0.08,
    "land": 0.05,
    "income": 0.10,  # a fitting step up: started near this village's income and grew
    "words": 0.30,  # goals text, keyword evidence (analyzer + synonyms + BM25F)
    "meaning": 0.06,  # goals + profile sentence, embedding cosine of the best passage
}
# Multiplier by entry kind: a village looks for a village first. A practice entry still wins
# when its words carry it (goals about 群众参与, 队伍, 三资 ...).
KIND_PRIOR = {"case": 1.0, "practice": 0.85, "overview": 0.75}
# ... and a stronger one when the village states its conditions: it wants villages that had them.
KIND_PRIOR_WITH_CONDITIONS = {"case": 1.0, "practice": 0.7, "overview": 0.6}
CONDITION_FIELDS = ("terrain", "resources", "industries", "income_wan", "land_mu")
KIND_CAUTIONS = {"practice": "这是全市层面的工作做法，不是单个村的案例",
                 "overview": "这是全市综述，不是单个村的案例"}
# Given only to entries whose meaning stands out from the library (recommend/reasons.py).
MEANING_REASON = "案例讲的情况和您填写的村情、目标特别接近（比库里其他案例明显更近）。"
VARIETY_PENALTY = 0.15  # MMR: subtracted x the Jaccard overlap of models with a pick above
TOP_N = 5
MAX_SAME_MODEL_IN_TOP = 3  # of the top five, at most this many share one business model
MAX_LIMIT = 50
POOL_MIN = 30  # diversify re-orders at least this many of the best


@dataclass
class Recommendation:
    slug: str
    title: str
    kind: str
    score: float
    components: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)
    models: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"id": self.slug, "title": self.title, "kind": self.kind,
                "score": round(self.score, 4), "reasons": self.reasons, "cautions": self.cautions,
                "components": {k: round(v, 4) for k, v in self.components.items()}}


@dataclass
class Evidence:
    """What one request found once, for scoring every entry."""

    words: dict[str, tuple[float, list[str]]]  # slug -> (score, goal words it holds)
    meaning: dict[str, tuple[float, float]]  # slug -> (normalised, cosine)
    prior: dict[str, float]  # kind -> multiplier
    standouts: set[str] = field(default_factory=set)  # meaning sets these apart (a reason)


def has_conditions(profile: VillageProfile) -> bool:
    return any(getattr(profile, key) not in (None, ()) for key in CONDITION_FIELDS)


def score_case(profile: VillageProfile, case: Case, ev: Evidence, explain: bool = True
               ) -> Recommendation:
    """Score one entry; with `explain`, also word its reasons and cautions."""
    rec = Recommendation(case.slug, case.title, case.kind, 0.0, models=case.models)
    for name, fit in FIT_PARTS.items():
        part = fit(profile, case, explain)
        if part.score is not None:
            rec.components[name] = part.score
        rec.reasons += part.reasons
        rec.cautions += part.cautions
    if profile.goals:
        score, matched = ev.words.get(case.slug, (0.0, []))
        rec.components["words"] = score
        if matched and explain:
            rec.reasons.append("案例也写到您目标里的" + "".join(f"“{w}”" for w in matched[:8])
                               + "。")
    if ev.meaning:
        norm, _ = ev.meaning.get(case.slug, (0.0, 0.0))
        rec.components["meaning"] = norm
        if case.slug in ev.standouts and explain:
            rec.reasons.append(MEANING_REASON)
    total = sum(WEIGHTS[k] for k in rec.components)
    mean = sum(WEIGHTS[k] * v for k, v in rec.components.items()) / total if total else 0.0
    rec.score = mean * ev.prior.get(case.kind, 1.0)
    if explain:
        rec.reasons += jobs_reasons(profile, case)
        rec.cautions += kind_cautions(case)
    return rec


def common_reasons(recs: list[Recommendation]) -> list[str]:
    """Reasons every shown entry has (同在湖南省 on each card): removed from the cards, since
    they set no entry apart, and returned to be said once above the list."""
    if len(recs) < 2:
        return []
    shared = set(recs[0].reasons).intersection(*(r.reasons for r in recs[1:]))
    common = [r for r in recs[0].reasons if r in shared]
    for rec in recs:
        rec.reasons = [r for r in rec.reasons if r not in shared]
    return common


def kind_cautions(case: Case) -> list[str]:
    out = [KIND_CAUTIONS[case.kind]] if case.kind in KIND_CAUTIONS else []
    if case.kind == "case" and not case.figures:
        out.append("来源只点到经验名称，没有给出具体做法和数字")
    return out


def _jaccard(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    union = set(a) | set(b)
    return len(set(a) & set(b)) / len(union) if union else 0.0


def _adjusted(rec: Recommendation, picked: list[Recommendation]) -> float:
    overlap = max((_jaccard(rec.models, p.models) for p in picked), default=0.0)
    crowded = len(picked) < TOP_N and any(
        sum(m in p.models for p in picked) >= MAX_SAME_MODEL_IN_TOP for m in rec.models)
    return rec.score - VARIETY_PENALTY * overlap - (1.0 if crowded else 0.0)


def diversify(ranked: list[Recommendation], limit: int) -> list[Recommendation]:
    """Greedy MMR over business models, with a hard cap on one model in the top five.

    `ranked` is the head of the ranking (the penalty is small, so nothing from far below
    could climb into the list), which keeps this cheap on a large library.
    """
    left = list(enumerate(ranked))
    picked: list[Recommendation] = []
    while left and len(picked) < limit:
        i, best = max(left, key=lambda item: (_adjusted(item[1], picked), -item[0]))
        penalty = round(best.score - _adjusted(best, picked), 4)
        if penalty > 0:
            best.components["variety_penalty"] = penalty
        picked.append(best)
        left.remove((i, best))
    return monotone(picked)


def monotone(picked: list[Recommendation]) -> list[Recommendation]:
    """Make the shown 匹配度 follow the order: an entry moved down for variety never shows
    more than the one above it (the difference is kept as its variety penalty)."""
    for above, rec in zip(picked, picked[1:], strict=False):
        if rec.score > above.score:
            rec.components["variety_penalty"] = round(
                rec.components.get("variety_penalty", 0.0) + rec.score - above.score, 4)
            rec.score = above.score
    return picked


def recommend(session: Session, service: SearchService, profile: VillageProfile,
              limit: int = 10, kinds: tuple[str, ...] = KINDS) -> list[Recommendation]:
    """The `limit` entries that fit `profile` best, each with reasons and cautions."""
    limit = max(1, min(limit, MAX_LIMIT))
    gen = service.generation()
    meaning = meaning_scores(service, gen, profile)
    ev = Evidence(word_scores(gen, profile.goals) if profile.goals else {}, meaning,
                  KIND_PRIOR_WITH_CONDITIONS if has_conditions(profile) else KIND_PRIOR,
                  meaning_standouts(meaning))
    text = [s for s, _ in sorted(ev.words.items(), key=lambda kv: -kv[1][0])[:TEXT_CANDIDATES]]
    text += sorted(ev.meaning, key=lambda s: -ev.meaning[s][0])[:TEXT_CANDIDATES]
    slugs = [s for s in candidate_slugs(session, profile, text, len(gen.catalog), kinds)
             if s in gen.catalog]
    scored = [score_case(profile, gen.catalog[s], ev, explain=False) for s in slugs]
    scored.sort(key=lambda r: (-r.score, r.slug))
    shortlist = [score_case(profile, gen.catalog[r.slug], ev)
                 for r in scored[:max(3 * limit, POOL_MIN)]]
    return diversify(shortlist, limit)
