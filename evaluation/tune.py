"""Choose fusion constants leave-one-set-out: tune on every set but one, report the one left out.

Each query's evidence (keyword, meaning, concept and numeric) is gathered once through the
product (`search.engine.gather`); only the fusion is re-run per candidate `Weights`, so a
coordinate search over the constants takes seconds. The objective is the mean nDCG@10 of the
tuning sets (each set counts once, whatever its size).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from evaluation.metrics import DEPTH
from evaluation.metrics import Judged
from evaluation.metrics import score_run
from evaluation.metrics import timed_run
from evaluation.run import ranker
from search.engine import gather
from search.query import MAX_QUERY_CHARS
from search.query import QueryError
from search.query import parse_query
from search.rank import KINDS
from search.rank import WEIGHTS
from search.rank import Weights

# Candidate values per constant; `shift:<kind>` moves the keyword weight for one kind of query.
SPACE = {
    "kw_base": (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6),
    "kw_span": (0.0, 0.1, 0.2, 0.3),
    "coverage": (0.0, 0.1, 0.2, 0.3),
    "concept": (0.2, 0.3, 0.45, 0.6, 0.8),
    "numeric": (0.0, 0.25, 0.5, 1.0, 2.0),
    # Literal queries rank exact matches first whatever the weights; "other" is the reference.
    **{f"shift:{k}": (-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3) for k in KINDS
       if k not in ("literal", "other")},
}


@dataclass
class Prepared:
    """One labelled set with its per-query evidence and the runs that do not depend on fusion."""

    name: str
    judged: Judged
    evidence: dict[str, object]  # qid -> search.engine.Evidence, or None (no words)
    fixed: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # mode -> run
    kinds: dict[str, str] = field(default_factory=dict)  # qid -> query kind

    def run(self, weights: Weights) -> dict[str, list[str]]:
        return {q: [h.slug for h in ev.fuse(weights)][:DEPTH] if ev else []
                for q, ev in self.evidence.items()}

    def ndcg(self, weights: Weights, half: str | None = None) -> float:
        judged = self.judged.split(half) if half else self.judged
        return score_run(self.run(weights), judged)["ndcg@10"]


def prepare(name: str, service, judged: Judged, baseline=None) -> Prepared:
    """Gather every query's evidence once, and run keyword, vector and the baseline."""
    gen = service.generation()
    evidence, kinds = {}, {}
    for qid, text in judged.queries.items():
        try:
            query = parse_query({"q": text[:MAX_QUERY_CHARS]})
        except QueryError:
            evidence[qid] = None
            continue
        evidence[qid] = None if query.is_empty else gather(service, gen, query, "hybrid")
        kinds[qid] = evidence[qid].kind if evidence[qid] else "none"
    prep = Prepared(name, judged, evidence, kinds=kinds)
    for mode in ("keyword", "vector"):
        prep.fixed[mode] = timed_run(judged, ranker(service, mode))[0]
    if baseline is not None:
        prep.fixed["baseline"] = timed_run(judged, baseline.rank)[0]
    return prep


def _set(weights: Weights, key: str, value: float) -> Weights:
    if key.startswith("shift:"):
        shift = dict(weights.shift)
        shift[key.split(":", 1)[1]] = value
        return replace(weights, shift=tuple(sorted((k, v) for k, v in shift.items() if v)))
    return replace(weights, **{key: value})


def _get(weights: Weights, key: str) -> float:
    if key.startswith("shift:"):
        return dict(weights.shift).get(key.split(":", 1)[1], 0.0)
    return getattr(weights, key)


def objective(preps: list[Prepared], weights: Weights, half: str | None = None) -> float:
    return sum(p.ndcg(weights, half) for p in preps) / max(len(preps), 1)


def coordinate_search(preps: list[Prepared], start: Weights = WEIGHTS, passes: int = 2,
                      half: str | None = None) -> tuple[Weights, float]:
    """Best weights by changing one constant at a time; ties keep the current value."""
    best, best_score = start, objective(preps, start, half)
    for _ in range(passes):
        changed = False
        for key, values in SPACE.items():
            for value in values:
                if value == _get(best, key):
                    continue
                trial = _set(best, key, value)
                score = objective(preps, trial, half)
                if score > best_score + 1e-6:
                    best, best_score, changed = trial, score, True
        if not changed:
            break
    return best, best_score


def leave_one_set_out(preps: list[Prepared], start: Weights = WEIGHTS) -> list[dict]:
    """For each set: weights tuned on the others, and every mode's nDCG@10 on the left-out set."""
    rows = []
    for held in preps:
        others = [p for p in preps if p is not held]
        weights, tuned = coordinate_search(others, start)
        row = {"left_out": held.name, "tuned_on": [p.name for p in others],
               "tuned_score": round(tuned, 4), "weights": describe(weights),
               "hybrid": round(held.ndcg(weights), 4),
               "hybrid_current": round(held.ndcg(start), 4),
               "parts": parts(held, weights)}
        for mode, run in held.fixed.items():
            row[mode] = round(score_run(run, held.judged)["ndcg@10"], 4)
        rows.append(row)
    return rows


def parts(prep: Prepared, weights: Weights) -> dict[str, dict[str, float]]:
    """nDCG@10 of every mode on the set, its halves and its groups (hybrid with `weights`)."""
    runs = {**prep.fixed, "hybrid": prep.run(weights)}
    subsets = {"all": prep.judged, "odd": prep.judged.split("odd"),
               "even": prep.judged.split("even")}
    subsets.update({g: prep.judged.group(g) for g in prep.judged.group_names()})
    numeric = [q for q, k in prep.kinds.items() if k == "numeric"]
    if numeric:
        subsets["numeric"] = prep.judged._subset(f"{prep.name}[numeric]", numeric)
    return {name: {mode: round(score_run(run, sub)["ndcg@10"], 4) for mode, run in runs.items()}
            for name, sub in subsets.items()}


def describe(weights: Weights) -> str:
    parts = [f"{k} {getattr(weights, k):g}" for k in ("kw_base", "kw_span", "coverage",
                                                       "concept", "numeric")]
    parts += [f"{k} {v:+g}" for k, v in weights.shift]
    return ", ".join(parts)


def format_rows(rows: list[dict]) -> str:
    head = (f"{'留出的评测集':<16}{'基线':>8}{'关键词':>8}{'语义':>8}{'混合(现)':>10}"
            f"{'混合(留出调)':>12}  在其余集上选定的常数")
    lines = [head]
    for r in rows:
        lines.append(f"{r['left_out']:<18}{r.get('baseline', 0):>9.4f}{r['keyword']:>9.4f}"
                     f"{r['vector']:>9.4f}{r['hybrid_current']:>10.4f}{r['hybrid']:>12.4f}  "
                     f"{r['weights']}")
    return "\n".join(lines)
