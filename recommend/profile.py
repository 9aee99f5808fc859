"""A village's own description ("村情") for recommendations, validated field by field.

The same `parse_profile` reads a JSON object (the API), request arguments (the form and the
shareable URL, list fields as repeated parameters) and a YAML file (the CLI).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import fields
from functools import lru_cache

from analysis.vocabulary import load_vocabulary
from search.query import QueryError
from search.query import clean_text

REGION_KEYS = ("province", "city", "county", "township")
LIST_KEYS = ("resources", "industries", "organisations")
NUMBER_KEYS = ("income_wan", "households", "land_mu", "distance_km")
PROFILE_KEYS = (*REGION_KEYS, "terrain", *LIST_KEYS, *NUMBER_KEYS, "goals")
LABELS = {
    "province": "省", "city": "市", "county": "县（区、市）", "township": "乡镇",
    "terrain": "地形", "resources": "资源", "industries": "现有产业", "organisations": "现有组织",
    "income_wan": "集体经济年收入（万元）", "households": "户数", "land_mu": "土地面积（亩）",
    "distance_km": "距县城（公里）", "goals": "目标和困难",
}
# Kinds of organisation a village may already have. Villages all have a party branch and a
# collective economic organisation, so those are not choices; other names a cadre types for the
# same thing are folded into one choice.
ORGANISATIONS = ("合作社", "公司", "家庭农场", "其他")
ORGANISATION_ALIASES = {"专业合作社": "合作社", "农民专业合作社": "合作社", "农村合作社": "合作社",
                        "企业": "公司", "有限公司": "公司"}
# Sane upper bounds: a number above these is a typo or an attack, not a village.
NUMBER_LIMITS = {"income_wan": 100_000.0, "households": 50_000.0, "land_mu": 500_000.0,
                 "distance_km": 1_000.0}
INTEGER_KEYS = ("households",)
NUMBER_TEXT = {"income_wan": "集体经济年收入约{:g}万元", "households": "{:g}户",
               "land_mu": "土地{:g}亩", "distance_km": "距县城{:g}公里"}
MAX_GOALS_CHARS = 2000
MAX_REGION_CHARS = 30
MAX_LIST_VALUES = 20


@dataclass(frozen=True)
class VillageProfile:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    township: str | None = None
    terrain: str | None = None
    resources: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    income_wan: float | None = None
    households: int | None = None
    land_mu: float | None = None
    distance_km: float | None = None
    goals: str = ""

    def to_dict(self) -> dict:
        """JSON form: every key, lists as lists."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def args(self) -> dict[str, list[str] | str]:
        """URL arguments that reproduce this profile (list fields as repeated parameters)."""
        out: dict[str, list[str] | str] = {}
        for key, value in self.to_dict().items():
            if isinstance(value, list) and value:
                out[key] = value
            elif isinstance(value, float | int) and not isinstance(value, bool):
                out[key] = f"{value:g}"
            elif isinstance(value, str) and value:
                out[key] = value
        return out

    def describe(self) -> str:
        """One readable line, e.g. 丘陵；资源：闲置村部、红色资源；集体经济年收入约5万元."""
        parts = []
        region = "".join(p for p in (getattr(self, k) for k in REGION_KEYS) if p)
        if region:
            parts.append(region)
        if self.terrain:
            parts.append(f"{self.terrain}地形")
        for key in LIST_KEYS:
            if getattr(self, key):
                parts.append(f"{LABELS[key]}：{'、'.join(getattr(self, key))}")
        for key, pattern in NUMBER_TEXT.items():
            if getattr(self, key) is not None:
                parts.append(pattern.format(getattr(self, key)))
        return "；".join(parts)

    def text(self) -> str:
        """What the embedding model reads: the description sentence plus the goals."""
        return "。".join(p for p in (self.describe(), self.goals) if p)


@lru_cache(maxsize=1)
def choices() -> dict[str, tuple[str, ...]]:
    """The allowed values of each choice field, in the vocabulary file's order (for forms)."""
    ordered = load_vocabulary().ordered
    return {"terrain": ordered["terrain"], "resources": ordered["resources"],
            "industries": ordered["industries"], "organisations": ORGANISATIONS}


def _raw(mapping, key: str) -> list:
    """Values of `key` as a list, from request args (getlist) or a plain mapping."""
    if hasattr(mapping, "getlist"):
        return list(mapping.getlist(key))
    if key not in mapping or mapping[key] is None:
        return []
    return [mapping[key]]


def parse_profile(mapping) -> VillageProfile:
    """Validate a profile from JSON, YAML or request arguments.

    :raise QueryError: mapping each bad field (or `profile`) to a Chinese reason.
    """
    if not hasattr(mapping, "keys"):
        raise QueryError({"profile": "村情应为键值对象（JSON 对象）"})
    errors: dict[str, str] = {}
    unknown = [str(k)[:40] for k in mapping.keys() if k not in PROFILE_KEYS]
    if unknown:
        errors["profile"] = (f"未知字段：{'、'.join(unknown[:5])}；"
                             f"可用字段：{'、'.join(PROFILE_KEYS)}")
    values: dict = {}
    for key in REGION_KEYS:
        values[key] = _text(mapping, key, MAX_REGION_CHARS, errors) or None
    values["terrain"] = _choice(mapping, "terrain", errors)
    for key in LIST_KEYS:
        values[key] = _terms(mapping, key, errors)
    for key in NUMBER_KEYS:
        values[key] = _number(mapping, key, errors)
    values["goals"] = _text(mapping, "goals", MAX_GOALS_CHARS, errors)
    if errors:
        raise QueryError(errors)
    profile = VillageProfile(**values)
    if profile == VillageProfile():
        raise QueryError({"profile": "请至少填写一项村情（地区、地形、资源、产业、收入或目标等）"})
    return profile


def _single(mapping, key: str, errors: dict):
    values = _raw(mapping, key)
    if len(values) > 1:
        errors[key] = "只能填一个值"
        return None
    return values[0] if values else None


def _text(mapping, key: str, limit: int, errors: dict) -> str:
    value = _single(mapping, key, errors)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[key] = "应为文字"
        return ""
    if len(value) > limit:
        errors[key] = f"过长：最多 {limit} 字"
        return ""
    return clean_text(value)


def _choice(mapping, key: str, errors: dict) -> str | None:
    value = _text(mapping, key, MAX_REGION_CHARS, errors)
    if value and value not in choices()["terrain"]:
        errors[key] = f"“{value}”不是可选的地形；可选：{'、'.join(choices()['terrain'])}"
        return None
    return value or None


def _terms(mapping, key: str, errors: dict) -> tuple[str, ...]:
    raw = _raw(mapping, key)
    if not hasattr(mapping, "getlist") and raw:
        raw = raw[0]
        if not isinstance(raw, list):
            errors[key] = "应为列表，如 [\"红色资源\", \"闲置村部\"]"
            return ()
    if len(raw) > MAX_LIST_VALUES:
        errors[key] = f"最多 {MAX_LIST_VALUES} 项"
        return ()
    out: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            errors[key] = "列表中的每一项都应为文字"
            return ()
        item = clean_text(item)[:MAX_REGION_CHARS]
        if key == "organisations":
            item = ORGANISATION_ALIASES.get(item, item)
        if item and item not in choices()[key]:
            errors[key] = f"“{item}”不在可选范围内；可选：{'、'.join(choices()[key])}"
            return ()
        if item and item not in out:
            out.append(item)
    return tuple(out)


def _number(mapping, key: str, errors: dict) -> float | int | None:
    value = _single(mapping, key, errors)
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace("，", "")
        if not value:
            return None
        try:
            value = float(value)
        except ValueError:
            errors[key] = "应为数字，如 5 或 12.5"
            return None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors[key] = "应为数字，如 5 或 12.5"
        return None
    high = NUMBER_LIMITS[key]
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or not 0 <= number <= high:
        errors[key] = f"应在 0 到 {high:g} 之间"
        return None
    if key in INTEGER_KEYS:
        if number != int(number):
            errors[key] = "应为整数"
            return None
        return int(number)
    return number
