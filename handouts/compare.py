"""Two to four cases side by side: one row per aspect, with what differs marked.

Each row holds one cell per case; each cell lists items, and an item is `shared` when every
case has it (`count` says how many do). A row `differs` when the cases' items are not all the
same, so a page can highlight the row and, inside it, the items only some cases have.
"""

from __future__ import annotations

from collections.abc import Callable

from handouts.chart_data import income_row
from handouts.charts import income_block
from handouts.content import LINKAGE
from handouts.content import MEASURES
from handouts.content import first_points
from handouts.content import plain_text
from handouts.content import section
from handouts.content import shorten
from handouts.pack import PackError

MIN_COMPARE, MAX_COMPARE = 2, 4
Items = list[dict]


def _tags(values) -> Items:
    return [{"text": str(v)} for v in values if v]


def _figures(case: dict, *metrics: str) -> Items:
    return [{"text": f["text"], "note": f["label"]} for f in case["figures"]
            if f["metric"] in metrics]


def income_levels(case: dict) -> tuple[dict | None, dict | None]:
    """Earliest and latest stated collective income (a figure without a year counts as latest)."""
    levels = sorted((f for f in case["figures"] if f["metric"] == "income"),
                    key=lambda f: f["year"] or 9999)
    if not levels:
        return None, None
    return (levels[0] if len(levels) > 1 else None), levels[-1]


def _income(case: dict, which: int) -> Items:
    fig = income_levels(case)[which]
    return [{"text": fig["text"], "note": fig["label"]}] if fig else []


def _increase(case: dict) -> Items:
    """Stated increases and rates; else the change between two stated levels (as charted)."""
    items = _figures(case, "income_increase", "income_growth_pct")
    row = income_row(case)
    if not items and row is not None and row.before:
        items = [{"text": row.change.split("，")[0], "note": "由前后两个收入数字算出"}]
    return items


def _relied_on(case: dict) -> Items:
    """What the case started from: its resources, terrain, land and its starting income."""
    items = _tags(case["resources"])
    if case.get("terrain"):
        items.append({"text": f"地形：{case['terrain']}"})
    items += [{"text": f"{f['label']} {f['text']}"} for f in case["figures"]
              if f["metric"] in ("land", "assets")]
    before = income_levels(case)[0]
    if before:
        items.append({"text": f"起步时集体经济收入 {before['text']}"})
    return items


def _text(heading: str, width: int) -> Callable[[dict], Items]:
    def cell(case: dict) -> Items:
        body = section(case, heading)
        return [{"text": shorten(plain_text(body).replace("\n", " "), width)}] if body else []

    return cell


# (key, label, kind, items of one case); kind tells a page how to lay the cell out.
ROWS: list[tuple[str, str, str, Callable[[dict], Items]]] = [
    ("region", "地区", "tags", lambda c: _tags(p["value"] for p in c["region_parts"])),
    ("kind", "类型", "tags", lambda c: _tags([c["kind_label"]])),
    ("resources", "资源禀赋", "tags", lambda c: _tags(c["resources"])),
    ("models", "经营模式", "tags", lambda c: _tags(c["models"])),
    ("industries", "产业", "tags", lambda c: _tags(c["industries"])),
    ("income_before", "集体经济收入（前）", "figures", lambda c: _income(c, 0)),
    ("income_after", "集体经济收入（后）", "figures", lambda c: _income(c, 1)),
    ("income_increase", "收入增加", "figures", lambda c: _increase(c)),
    ("land", "土地", "figures", lambda c: _figures(c, "land")),
    ("households", "农户与就业", "figures", lambda c: _figures(c, "households", "jobs")),
    ("measures", "主要做法", "list", lambda c: _tags(first_points(section(c, MEASURES) or ""))),
    ("linkage", "利益联结", "text", _text(LINKAGE, 160)),
    ("relied_on", "依托条件", "tags", _relied_on),
    ("source", "来源", "text", lambda c: _tags([c["citation"]])),
]


def check_compare_count(n: int) -> None:
    if not MIN_COMPARE <= n <= MAX_COMPARE:
        raise PackError(f"请选择 {MIN_COMPARE} 到 {MAX_COMPARE} 个案例进行对比，现在是 {n} 个",
                        {"ids": f"对比需要 {MIN_COMPARE}–{MAX_COMPARE} 个案例"})


def comparison(cases: list[dict]) -> dict:
    """Comparison data for 2–4 `case_dict`s. :raise PackError: for any other number."""
    check_compare_count(len(cases))
    rows = [_row(key, label, kind, fn, cases) for key, label, kind, fn in ROWS]
    return {
        "ids": [c["id"] for c in cases],
        "cases": [{k: c[k] for k in ("id", "title", "kind_label", "region_label", "summary",
                                     "citation")} for c in cases],
        "rows": rows,
        "differing": [r["key"] for r in rows if r["differs"]],
        # one chart per kind of figure, every case on that chart's scale; the table's income
        # rows say the same numbers
        "income": income_block(cases, key="compare-income"),
    }


def _row(key: str, label: str, kind: str, fn, cases: list[dict]) -> dict:
    cells = [{"id": c["id"], "items": fn(c)} for c in cases]
    texts = [{item["text"] for item in cell["items"]} for cell in cells]
    for cell in cells:
        for item in cell["items"]:
            # how many of the cases have this item: all (shared), some, or this one only
            item["count"] = sum(item["text"] in t for t in texts)
            item["shared"] = item["count"] == len(cells)
    return {"key": key, "label": label, "kind": kind, "cells": cells,
            "differs": any(t != texts[0] for t in texts)}
