"""The publish gate: a draft's figures and quotes checked against its upload's source text.

Saving shows the problems beside their fields; publishing refuses while any remain, unless a
publisher writes why the case is right anyway (kept in the revision and the audit log).
"""

from __future__ import annotations

from analysis.analyzer import Analyzer
from analysis.vocabulary import Vocabulary
from casefile.parse import CaseFormatError
from casefile.parse import parse_case_text
from casefile.provenance import check_provenance

MAX_REASON = 1000


class GateRefused(Exception):
    """Publishing a draft whose figures or quotes the source does not back."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("数字或原句与来源原文不符，不能发布：" + "；".join(problems.values()))


def provenance_problems(text: str, source_text: str | None, vocab: Vocabulary,
                        analyzer: Analyzer) -> dict[str, str]:
    """{field: Chinese reason} for every figure that contradicts its quote (value, unit,
    qualifier, year) and every quote missing from the source; empty when all is backed.
    A draft that does not parse yet has no provenance to check (the case check reports it)."""
    try:
        case = parse_case_text(text, "draft", vocab)
    except CaseFormatError:
        return {}
    found: dict[str, str] = {}
    for p in check_provenance(case, source_text, analyzer=analyzer):
        found[p.field] = f"{found[p.field]}；{p.reason}" if p.field in found else p.reason
    return found


def blocking(problems: dict[str, str]) -> dict[str, str]:
    """The problems that stop a publish: a figure that contradicts its quote, or a quote that
    is not in the source. The rest (a facet without its sentence) are shown, not enforced."""
    return {k: v for k, v in problems.items() if k.startswith("figures[") or k == "quote"}


def override_reason(raw: str | None) -> str | None:
    """The publisher's written reason, trimmed; None when there is none (or only spaces)."""
    reason = (raw or "").strip()[:MAX_REASON]
    return reason or None
