"""Judge recommendations on the labelled village profiles (recommend/data/eval_profiles.yaml).

Metrics: nDCG@5 over the graded `relevant` labels (gain 2^rel - 1), the share of profiles whose
first recommendation is one of `first` (hit@1), the share with one of `first` in the top
three (hit@3), the share with every `first` entry inside the top len(first) places, and the
number of `not_top3` entries that still appear in a top three.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from recommend.engine import recommend
from recommend.profile import parse_profile
from search.generation import SearchService

DEFAULT_PATH = Path(__file__).parent / "data" / "eval_profiles.yaml"
K = 5


def dcg(gains: list[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    """nDCG@k with graded relevance; 0 when nothing is labelled relevant."""
    gains = [2 ** relevant.get(s, 0) - 1 for s in ranked[:k]]
    ideal = sorted((2 ** r - 1 for r in relevant.values()), reverse=True)[:k]
    best = dcg(ideal)
    return dcg(gains) / best if best > 0 else 0.0


def load_profiles(path: Path = DEFAULT_PATH) -> list[dict]:
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    for item in items:
        item["parsed"] = parse_profile(item["profile"])
    return items


def judge(item: dict, ranked: list[str]) -> dict:
    """One profile's figures and a readable line."""
    first, avoid = item.get("first") or [], item.get("not_top3") or []
    row = {
        "name": item["name"],
        "ranked": ranked[:K],
        "ndcg": ndcg_at(ranked, item.get("relevant") or {}),
        "hit1": bool(ranked) and ranked[0] in first,
        "hit3": any(s in first for s in ranked[:3]),
        "first_all": bool(first) and set(first) <= set(ranked[:len(first)]),
        "violations": [s for s in ranked[:3] if s in avoid],
    }
    marks = ("✓" if row["hit1"] else "✗") + (f" 误入前三：{'、'.join(row['violations'])}"
                                              if row["violations"] else "")
    row["line"] = f"{row['ndcg']:.3f} {marks} {item['name']} → {', '.join(ranked[:3])}"
    return row


def evaluate_profiles(session: Session, service: SearchService,
                      path: Path = DEFAULT_PATH) -> dict:
    """Run every labelled profile through `recommend` and summarise the ranking quality."""
    rows = []
    for item in load_profiles(path):
        ranked = [r.slug for r in recommend(session, service, item["parsed"], limit=10)]
        rows.append(judge(item, ranked))
    n = len(rows) or 1
    return {
        "suite": "profiles",
        "profiles": len(rows),
        "ndcg@5": round(sum(r["ndcg"] for r in rows) / n, 4),
        "hit@1": round(sum(r["hit1"] for r in rows) / n, 4),
        "hit@3": round(sum(r["hit3"] for r in rows) / n, 4),
        "first_all": round(sum(r["first_all"] for r in rows) / n, 4),
        "not_top3_violations": sum(len(r["violations"]) for r in rows),
        "vectors_used": service.vectors_usable,
        "embedder": service.embedder.name,
        "per_profile": rows,
        "lines": [r["line"] for r in rows],
    }
