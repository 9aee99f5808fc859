"""Tag text with the concepts of the 三农 concept lexicon (analysis/data/concepts.yaml).

A secretary writes the problem (地没人种, 老村小学空着好几年了); a case names the answer
(土地托管, 资产盘活). The lexicon maps both kinds of wording onto the vocabulary's concepts, so a
query and a case can meet on a concept when they share no word. The same tagger runs on every
case at index time, on every query, and on imported text to suggest facets; its interface
(`load_lexicon`, `tag_text`, `ConceptMatch`) is kept stable for those callers.

Matching is on characters, not on jieba words, so near wordings meet: "A…B" phrases allow up
to four characters of the same clause in between (地一直荒着). Leftmost-longest matches win, a
match that is the head of a place name (竹园村) is skipped, and a resource phrase next to a simple
negation (没有特产, 什么特产也没有) does not count.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis.segment import SHIPPED_DATA_DIR
from analysis.segment import normalise
from analysis.vocabulary import load_vocabulary

LEXICON = SHIPPED_DATA_DIR / "concepts.yaml"
FACETS = ("models", "industries", "resources")
GAP = "…"
MAX_GAP = 4
CLAUSE_BREAK = "，。！？；、,.!?;:：\n\r\t "
_IN_CLAUSE = "[^" + CLAUSE_BREAK + "]{0,2}"
NEGATION_BEFORE = re.compile("(没有|没啥|没什么|没|无|缺少|缺乏|缺|不是)" + _IN_CLAUSE + "$")
NEGATION_AFTER = re.compile("^" + _IN_CLAUSE + "?(也没有|都没有|也没|都没|没有|不多|很少|太少)")
# 竹园村, 荒田镇: a phrase that heads a place name. 村民, 村集体, 村里 are not place names.
PLACE_AFTER = re.compile(r"^[村镇乡县](?![民集里级干委部组庄务两])")


class LexiconError(ValueError):
    """The concept lexicon file is malformed; the message says where, in Chinese."""


@dataclass(frozen=True)
class ConceptMatch:
    concept: str
    facet: str | None  # models / industries / resources, or None for a plain tag
    phrase: str  # the words as they stand in the text (text[start:end])
    start: int
    end: int
    need: bool = False  # matched a plain-words problem phrase (may widen a query)


@dataclass(frozen=True)
class _Phrase:
    pattern: re.Pattern
    concepts: tuple[str, ...]
    need: bool
    negatable: bool


@dataclass(frozen=True)
class Lexicon:
    phrases: tuple[_Phrase, ...]
    facets: dict[str, str | None]  # concept -> facet

    @property
    def concepts(self) -> list[str]:
        return sorted(self.facets)


def _compile(phrase: str) -> re.Pattern:
    parts = [re.escape(p) for p in phrase.split(GAP)]
    between = "[^" + re.escape(CLAUSE_BREAK) + "]{0," + str(MAX_GAP) + "}?"
    return re.compile(between.join(parts))


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read and check the lexicon (default: the shipped file; an `Analyzer` passes the editor's);
    every concept's facet comes from the vocabulary.

    :raise LexiconError: when the file is unreadable or an entry lacks phrases or concepts.
    """
    path = Path(path) if path else LEXICON
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"概念词表 {path.name} 无法读取：{exc}") from exc
    vocab = load_vocabulary()
    facet_of = {}
    for facet in reversed(FACETS):  # the first facet listed wins for 乡村旅游, 物业租赁
        facet_of.update({value: facet for value in getattr(vocab, facet)})
    phrases, facets = [], {}
    for n, entry in enumerate(raw.get("entries") or [], start=1):
        words = [str(w).strip() for w in (entry or {}).get("phrases") or [] if str(w).strip()]
        concepts = tuple(str(c).strip() for c in (entry or {}).get("concepts") or [])
        if not words or not concepts:
            raise LexiconError(f"概念词表第 {n} 条缺少 phrases 或 concepts")
        facets.update({c: facet_of.get(c) for c in concepts})
        need = entry.get("kind", "term") == "need"
        negatable = bool(entry.get("negatable", False))
        phrases.extend(_Phrase(_compile(w), concepts, need, negatable) for w in words)
    return Lexicon(phrases=tuple(phrases), facets=facets)


def _negated(text: str, start: int, end: int) -> bool:
    return bool(NEGATION_BEFORE.search(text[max(0, start - 6):start])
                or NEGATION_AFTER.search(text[end:end + 6]))


def tag_text(text: str, lexicon: Lexicon) -> list[ConceptMatch]:
    """Every concept the text speaks of, in text order, one match per concept and phrase found."""
    norm = normalise(text or "")
    spans = []
    for phrase in lexicon.phrases:
        for m in phrase.pattern.finditer(norm):
            if PLACE_AFTER.match(norm[m.end():m.end() + 2]):
                continue
            if phrase.negatable and _negated(norm, m.start(), m.end()):
                continue
            spans.append((m.start(), -(m.end() - m.start()), phrase))
    spans.sort(key=lambda s: (s[0], s[1]))
    matches, taken_until, taken = [], -1, None
    for start, neg_len, phrase in spans:
        end = start - neg_len
        if start < taken_until and (start, end) != taken:
            continue  # overlaps a longer or earlier match
        taken_until, taken = max(taken_until, end), (start, end)
        for concept in phrase.concepts:
            matches.append(ConceptMatch(concept, lexicon.facets.get(concept), text[start:end],
                                        start, end, phrase.need))
    return _dedupe(matches)


def _dedupe(matches: list[ConceptMatch]) -> list[ConceptMatch]:
    seen, out = set(), []
    for m in matches:
        key = (m.concept, m.start, m.end)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def concept_counts(matches: list[ConceptMatch]) -> dict[str, int]:
    """How often each concept is spoken of: the case-side strength stored with the catalog."""
    return dict(Counter(m.concept for m in matches))


def suggest_facets(text: str, lexicon: Lexicon, min_count: int = 1) -> dict[str, list[str]]:
    """Facet values an imported text speaks of, most mentioned first, for the editor to confirm."""
    counts = Counter((m.facet, m.concept) for m in tag_text(text, lexicon) if m.facet)
    out: dict[str, list[str]] = {facet: [] for facet in FACETS}
    for (facet, concept), n in counts.most_common():
        if n >= min_count:
            out[facet].append(concept)
    return out


FACET_MENTIONS = 3  # a case's own facet value counts as often as three mentions in its text


def case_concepts(case, lexicon: Lexicon) -> dict[str, int]:
    """Concept -> strength for one case: mentions in its text plus its own facet values.

    Stored with each index generation (concepts.json), so queries never re-tag the library.
    """
    text = "\n".join([case.title, case.summary, case.body])
    counts = Counter(m.concept for m in tag_text(text, lexicon))
    for value in (*case.models, *case.industries, *case.resources):
        counts[value] += FACET_MENTIONS
    return dict(counts)
