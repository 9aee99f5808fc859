"""Structured fit of one case to one village profile, with the reasons and cautions behind it.

Every reason and caution is built from the case's own front matter (traits, region, terrain,
figures) and the profile: nothing is paraphrased or invented. Each `fit_*` function returns a
`Part` whose score is in [0, 1], or None when the profile says nothing on that dimension (the
dimension then drops out of the weighting for every case alike). With `explain=False` only the
score is computed: every candidate is scored, only the shortlist is explained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field

from casefile.case import Case
from casefile.case import Figure
from casefile.case import format_figure
from recommend.profile import VillageProfile

# Resources a village may have that stand in, in part, for what a case used (抛荒地 is farmland).
RELATED_RESOURCES = {
    frozenset({"抛荒地", "耕地"}), frozenset({"闲置村部", "闲置资产"}),
    frozenset({"闲置农房", "闲置资产"}), frozenset({"矿泉", "水源"}),
    frozenset({"红色资源", "文化资源"}),
}
RELATED_INDUSTRIES = {
    frozenset({"红色旅游", "乡村旅游"}), frozenset({"农家乐", "乡村旅游"}),
    frozenset({"生态农业", "种植"}), frozenset({"研学培训", "红色旅游"}),
}
RELATED_TERRAIN = {frozenset({"丘陵", "山区"}), frozenset({"平原", "湖区"}),
                   frozenset({"平原", "城郊"})}
RELATED_CREDIT = 0.5
# Region proximity, finest level first: county > city > province (township finer still).
REGION_CREDIT = (("township", 1.0), ("county", 0.8), ("city", 0.5), ("province", 0.25))
# What a case's models, tags and title say it relied on, per organisation choice.
ORGANISATION_MARKERS = {"合作社": ("合作社", "村社联营"), "公司": ("公司", "企业"),
                        "家庭农场": ("家庭农场",)}
NO_ORGANISATION_CREDIT = 0.3  # the case needed none of the kinds the form offers
UNKNOWN_LAND_CREDIT = 0.5  # the case states no land figure to compare with
INCOME_RATIO_SCALE = math.log(3)  # starting incomes 3x apart are a poor fit
PARTIAL_INCOME_CREDIT = 0.3  # the case grew but its starting level is not stated


@dataclass
class Part:
    score: float | None
    reasons: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)


def _related(a: str, b: str, table: set[frozenset]) -> bool:
    return frozenset({a, b}) in table


def _overlap(mine: tuple[str, ...], theirs: tuple[str, ...], table: set[frozenset]
             ) -> tuple[float, list[str], list[tuple[str, str]], list[str]]:
    """Half recall, half precision; related values count half. Returns the score, shared
    values, related pairs (mine, theirs) and the case's values the profile has nothing for."""
    shared = [v for v in theirs if v in mine]
    related = [(m, t) for t in theirs if t not in mine
               for m in mine if m not in theirs and _related(m, t, table)]
    related = list({t: (m, t) for m, t in related}.values())  # one pair per case value
    covered = set(shared) | {t for _, t in related}
    lacking = [v for v in theirs if v not in covered]
    if not mine or not theirs:
        return 0.0, shared, related, lacking
    credit = len(shared) + RELATED_CREDIT * len(related)
    return 0.5 * credit / len(mine) + 0.5 * credit / len(theirs), shared, related, lacking


def fit_resources(profile: VillageProfile, case: Case, explain: bool = True) -> Part:
    if not profile.resources and not explain:
        return Part(None)
    score, shared, related, lacking = _overlap(profile.resources, case.resources,
                                               RELATED_RESOURCES)
    part = Part(score if profile.resources else None)
    if not explain:
        return part
    if shared:
        part.reasons.append(f"案例村和本村一样有{'、'.join(shared)}。")
    if related:
        part.reasons.append("资源相近：" + "；".join(f"本村有{m}，案例用的是{t}"
                                                  for m, t in related) + "。")
    if lacking and case.kind == "case":  # a practice entry lists what it dealt with
        part.cautions.append(f"依托{'、'.join(lacking)}")
    return part


def fit_industries(profile: VillageProfile, case: Case, explain: bool = True) -> Part:
    if not profile.industries:
        return Part(None)
    score, shared, related, _ = _overlap(profile.industries, case.industries,
                                         RELATED_INDUSTRIES)
    part = Part(score)
    if explain and shared:
        part.reasons.append(f"案例和本村一样做{'、'.join(shared)}。")
    if explain and related:
        part.reasons.append("产业相近：" + "；".join(f"本村做{m}，案例做{t}"
                                                  for m, t in related) + "。")
    return part


def fit_terrain(profile: VillageProfile, case: Case, explain: bool = True) -> Part:
    if not profile.terrain:
        return Part(None)
    if not case.terrain:
        return Part(0.0)
    if case.terrain == profile.terrain:
        return Part(1.0, [f"案例村和本村一样是{case.terrain}。"])
    if _related(case.terrain, profile.terrain, RELATED_TERRAIN):
        return Part(RELATED_CREDIT,
                    [f"地形相近：案例村是{case.terrain}，本村是{profile.terrain}。"])
    return Part(0.0, cautions=[f"地形不同：案例为{case.terrain}，本村为{profile.terrain}"])


def fit_region(profile: VillageProfile, case: Case, explain: bool = True) -> Part:
    if not any(getattr(profile, level) for level, _ in REGION_CREDIT):
        return Part(None)
    for level, credit in REGION_CREDIT:
        mine, theirs = getattr(profile, level), getattr(case.region, level)
        if mine and theirs and mine == theirs:
            return Part(credit, [f"案例村和本村同在{theirs}。"])
    return Part(0.0)


def case_organisations(case: Case) -> dict[str, str]:
    """Organisation kind -> the model, tag or title word showing the case relied on it.

    Tags of practice entries name what a city promoted (家庭农场, 合作社), not what it needed.
    """
    words = (*case.models, *case.tags, case.title) if case.kind == "case" else case.models
    found = {}
    for kind, markers in ORGANISATION_MARKERS.items():
        hit = next((w for w in words for m in markers if m in w), None)
        if hit is not None:
            found[kind] = hit if len(hit) <= 20 else kind
    return found


def fit_organisations(profile: VillageProfile, case: Case, explain: bool = True) -> Part:
    if not profile.organisations and not explain:
        return Part(None)
    needed = case_organisations(case)
    mine = set(profile.organisations) - {"其他"}
    part = Part(None if not profile.organisations else
                NO_ORGANISATION_CREDIT if not needed else
                sum(k in mine for k in needed) / len(needed))
    for kind, word in needed.items() if explain else ():
        if kind in mine:
            part.reasons.append(f"本村和案例一样有{kind}（案例：{word}）。")
        elif case.kind == "case":
            part.cautions.append(f"需要{kind}参与（{word}）")
    return part


def _village_figures(case: Case, metric: str) -> list[Figure]:
    """Figures that describe the village itself: practice and overview entries state a
    city's totals, which say nothing about a village's scale or income."""
    return [f for f in case.figures if f.metric == metric] if case.kind == "case" else []


def _amount(f: Figure) -> str:
    """The number as the source words it: 750余亩, 近20万元, 100万余元."""
    return format_figure(f.value, f.unit, f.approx)


def fit_land(profile: VillageProfile, case: Case, explain: bool = True) -> Part:
    if profile.land_mu is None and not explain:
        return Part(None)
    land = [f for f in _village_figures(case, "land") if f.unit == "亩"]
    needed = min(land, key=lambda f: f.value) if land else None
    score = None
    if profile.land_mu is not None:
        score = UNKNOWN_LAND_CREDIT if needed is None else min(1.0, profile.land_mu / needed.value)
    part = Part(score)
    if needed is None or not explain:
        return part
    if profile.land_mu is not None and profile.land_mu >= needed.value:
        part.reasons.append(f"本村{profile.land_mu:g}亩，案例{needed.label}"
                            f"{_amount(needed)}，本村的地够用。")
    else:
        part.cautions.append(f"需{needed.label}{_amount(needed)}")
    return part


def fit_income(profile: VillageProfile, case: Case, explain: bool = True) -> Part:
    """A fitting step up: the case started near this village's income and grew."""
    if profile.income_wan is None:
        return Part(None)
    before, after = case.income_before_after() if case.kind == "case" else (None, None)
    if before is not None and after is not None and after.value > before.value:
        gap = abs(math.log((before.value + 1) / (profile.income_wan + 1)))
        part = Part(math.exp(-gap / INCOME_RATIO_SCALE))
        step = f"{_amount(before)}→{_amount(after)}" if explain else ""
        if explain and part.score >= 0.5:
            part.reasons.append(f"案例起步时的集体经济收入和本村相近：{step}。")
        elif explain and before.value > profile.income_wan:
            part.cautions.append(f"起步收入高于本村：{step}")
        return part
    grew = _village_figures(case, "income_increase") + _village_figures(case, "income_growth_pct")
    if not grew:
        return Part(0.0)
    if not explain:
        return Part(PARTIAL_INCOME_CREDIT)
    return Part(PARTIAL_INCOME_CREDIT,
                ["案例写到" + "；".join(f"{f.label}{_amount(f)}" for f in grew)
                 + "（没有写起步收入）。"])


def jobs_reasons(profile: VillageProfile, case: Case) -> list[str]:
    """Jobs the case created, when the village says it has labour to employ."""
    if "劳动力" not in profile.resources:
        return []
    # households employed (吸纳30余户农户就业) are counted in 户, so their metric is households
    found = _village_figures(case, "jobs") + [
        f for f in _village_figures(case, "households") if "就业" in f.label]
    return [f"案例带动了就业：{f.label}{_amount(f)}。" for f in found]


FIT_PARTS = {"resources": fit_resources, "industries": fit_industries, "terrain": fit_terrain,
             "region": fit_region, "organisations": fit_organisations, "land": fit_land,
             "income": fit_income}
