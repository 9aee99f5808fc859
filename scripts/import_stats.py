"""Compare the drafts imported from a report with the hand-written cases of the library.

Usage: python scripts/import_stats.py REPORT [CASES_DIR]
Prints drafts per kind, shipped figures found (value, unit and qualifier), figures the drafts add,
and for each facet: values suggested, values present in the paired shipped cases, and both.
Each shipped case is paired with the draft of the same kind whose summary shares most bigrams.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout

from analysis.analyzer import Analyzer  # noqa: E402
from analysis.vocabulary import load_vocabulary  # noqa: E402
from casefile.parse import case_files
from casefile.parse import load_case
from importer import import_file

FACETS = ("models", "resources", "industries")


def bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def pair(case, drafts):
    same = [d for d in drafts if d.kind == case.kind] or drafts
    target = bigrams(case.title + case.summary)
    return max(same, key=lambda d: len(target & bigrams(d.title + d.meta.get("summary", ""))))


def figure_keys(figures) -> list[tuple]:
    return [(float(f["value"]), f["unit"], f.get("approx", "")) for f in figures]


def main(report: str, cases_dir: str = "cases") -> None:
    vocab = load_vocabulary()
    result = import_file(Path(report), vocab, analyzer=Analyzer())
    shipped = [load_case(p, vocab) for p in case_files(Path(cases_dir))]
    kinds = {k: sum(d.kind == k for d in result.drafts) for k in ("overview", "practice", "case")}
    print(f"草稿 {len(result.drafts)} 篇：{kinds}；提示 {len(result.warnings)} 条")
    found_figs = figure_keys(f for d in result.drafts for f in d.meta.get("figures", []))
    shipped_figs = [(f.value, f.unit, f.approx) for c in shipped for f in c.figures]
    hit = [f for f in shipped_figs if f in found_figs]
    extra = [f for f in found_figs if f not in shipped_figs]
    print(f"数字：已发布案例 {len(shipped_figs)} 个，草稿 {len(found_figs)} 个，"
          f"找到已发布的 {len(hit)} 个，草稿多出 {len(extra)} 个 {extra}")
    paired = {c.slug: pair(c, result.drafts) for c in shipped}
    for facet in FACETS:
        present = {(c.slug, v) for c in shipped for v in getattr(c, facet)}
        suggested = {(c.slug, v) for c in shipped for v in paired[c.slug].meta.get(facet, [])}
        both = present & suggested
        print(f"{facet}：建议 {len(suggested)}，已发布 {len(present)}，一致 {len(both)}；"
              f"漏掉 {sorted(present - suggested)}；多出 {sorted(suggested - present)}")


if __name__ == "__main__":
    main(*sys.argv[1:])
