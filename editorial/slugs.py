"""Readable case ids for drafts: the place in pinyin plus a short word for the model
(changhu-company, huazhu-tourism), unique among published cases and drafts.

A draft's id stays editable until its first publish: from then on it is a public URL.
"""

from __future__ import annotations

import re

from pypinyin import lazy_pinyin

from casefile.slug import is_slug

# The first model (or industry) of the draft, as one short English word.
MODEL_WORDS = {
    "三产融合": "fusion", "乡村旅游": "tourism", "产业园区": "park", "产业帮扶": "support",
    "党支部+合作社+基地+农户": "coop", "入股分红": "shares", "劳务服务": "labour",
    "土地托管": "trustee", "土地流转": "land", "帮扶结对": "pairing", "服务创收": "services",
    "村党组织+基地+农户": "base", "村社联营": "joint", "村级集体经济组织+企业+农户": "enterprise",
    "村集体+公司+农户": "company", "物业租赁": "property", "红色教育培训": "red-training",
    "联营共建": "joint", "资产盘活": "assets", "资源开发": "resources", "光伏发电": "solar",
    "养殖": "livestock", "农业服务": "agri-services", "农家乐": "farmstay", "加工": "processing",
    "生态农业": "eco-farming", "电商": "ecommerce", "研学培训": "study-tours", "种植": "farming",
    "红色旅游": "red-tourism", "饮用水": "water",
}
# Readings pypinyin gets wrong in place names (长湖 is chang hu, not zhang hu).
PLACE_READINGS = {"长": "chang", "乐": "le", "行": "xing", "朝": "chao", "单": "shan"}
SUFFIXES = ("社区", "街道", "村", "镇", "乡", "县", "区", "市", "省")
PLACE_KEYS = ("village", "township", "county", "city", "province")
MAX_PLACE = 30


def place_pinyin(name: str) -> str:
    """`长湖村` -> `changhu`; ASCII letters and digits only, suffix dropped."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    syllables = [PLACE_READINGS.get(ch, py) if len(ch) == 1 else py
                 for ch, py in zip(name, lazy_pinyin(name), strict=False)]
    if len(syllables) != len(name):  # mixed text: pypinyin joins non-Chinese runs
        syllables = lazy_pinyin(name)
    return re.sub(r"[^a-z0-9]", "", "".join(syllables).lower())[:MAX_PLACE]


def model_word(meta: dict) -> str:
    """The first known model or industry as a word; a practice or overview says so."""
    if meta.get("kind") in ("practice", "overview"):
        return str(meta["kind"])
    for key in ("models", "industries"):
        for value in meta.get(key) or []:
            if str(value) in MODEL_WORDS:
                return MODEL_WORDS[str(value)]
    return "case"


def readable_slug(meta: dict, taken: set[str]) -> str | None:
    """A new unique id for a draft from its place (the most precise one that reads as
    pinyin: a masked **村 is skipped) and its model; None when it names no place."""
    region = meta.get("region") if isinstance(meta.get("region"), dict) else {}
    stem = next((py for py in (place_pinyin(str(region[k])) for k in PLACE_KEYS
                               if region.get(k)) if py), "")
    if not stem:
        return None
    base = f"{stem}-{model_word(meta)}"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug if is_slug(slug) else None
