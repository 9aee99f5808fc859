"""和我村比较: a village profile and one case, row by row: what matches, what differs, and what
the case relied on that the village does not have. Only stated facts on either side."""

from __future__ import annotations

from dataclasses import dataclass

from casefile.case import Case
from casefile.case import format_figure
from recommend.fit import case_organisations
from recommend.profile import VillageProfile

MATCH, DIFFERS, LACKS, UNKNOWN = "相同", "不同", "本村缺少", "无从比较"


@dataclass(frozen=True)
class Row:
    label: str
    mine: str
    theirs: str
    status: str  # MATCH, DIFFERS, LACKS (the case relied on it, the village lacks it), UNKNOWN
    note: str = ""


def _list(values) -> str:
    return "、".join(values) if values else ""


def _tags(label: str, mine: tuple[str, ...], theirs: tuple[str, ...]) -> Row:
    lacking = [v for v in theirs if v not in mine]
    if not mine or not theirs:
        return Row(label, _list(mine), _list(theirs), UNKNOWN)
    if lacking:
        return Row(label, _list(mine), _list(theirs), LACKS,
                   f"案例依托{_list(lacking)}，本村没有填")
    return Row(label, _list(mine), _list(theirs), MATCH if set(mine) == set(theirs) else DIFFERS)


def _region(profile: VillageProfile, case: Case) -> Row:
    mine = " · ".join(v for v in (profile.province, profile.city, profile.county,
                                  profile.township) if v)
    theirs = case.region.label()
    same = [getattr(case.region, k) for k in ("township", "county", "city", "province")
            if getattr(profile, k) and getattr(profile, k) == getattr(case.region, k)]
    if not mine:
        return Row("地区", "", theirs, UNKNOWN)
    return Row("地区", mine, theirs, MATCH if same else DIFFERS,
               f"同在{same[0]}" if same else "")


def _terrain(profile: VillageProfile, case: Case) -> Row:
    if not profile.terrain or not case.terrain:
        return Row("地形", profile.terrain or "", case.terrain or "", UNKNOWN)
    return Row("地形", profile.terrain, case.terrain,
               MATCH if profile.terrain == case.terrain else DIFFERS)


def _income(profile: VillageProfile, case: Case) -> Row:
    before, after = case.income_before_after()
    theirs = "→".join(format_figure(f.value, f.unit, f.approx) for f in (before, after) if f)
    mine = f"约{profile.income_wan:g}万元" if profile.income_wan is not None else ""
    if not mine or before is None:
        return Row("集体经济收入", mine, theirs, UNKNOWN)
    near = 0.5 <= (profile.income_wan + 1) / (before.value + 1) <= 2
    return Row("集体经济收入（起步）", mine, theirs, MATCH if near else DIFFERS,
               "起步收入相近" if near else "起步收入差别较大")


def _land(profile: VillageProfile, case: Case) -> Row:
    land = [f for f in case.figures if f.metric == "land" and f.unit == "亩"]
    theirs = "；".join(f"{f.label}{format_figure(f.value, f.unit, f.approx)}" for f in land)
    mine = f"{profile.land_mu:g}亩" if profile.land_mu is not None else ""
    if not mine or not land:
        return Row("土地", mine, theirs, UNKNOWN)
    needed = min(f.value for f in land)
    if profile.land_mu >= needed:
        return Row("土地", mine, theirs, MATCH, "本村的地够用")
    return Row("土地", mine, theirs, LACKS, "本村的地比案例用到的少")


def _organisations(profile: VillageProfile, case: Case) -> Row:
    needed = case_organisations(case)
    return _tags("组织", tuple(k for k in profile.organisations if k != "其他"),
                 tuple(needed)) if needed else Row("组织", _list(profile.organisations), "",
                                                   UNKNOWN)


def side_by_side(profile: VillageProfile, case: Case) -> list[Row]:
    """The rows of the comparison, in the order a village reads them."""
    return [_region(profile, case), _terrain(profile, case),
            _tags("资源", profile.resources, case.resources),
            _tags("产业", profile.industries, case.industries),
            _organisations(profile, case), _income(profile, case), _land(profile, case)]
