"""The pieces of analysis that need no data files: normalisation, tokens, literal patterns.

The stateful part (dictionary, synonyms, lexicon) is `analysis.analyzer.Analyzer`; what follows
describes what it does with these pieces.

Text is normalised character by character (so offsets into the original stay exact for
highlighting), literals such as 1+2+N, 村集体+公司+农户 and 750余亩 are cut out whole before jieba
sees them, the rest is segmented by a private jieba.Tokenizer loaded with the shipped 三农
dictionary, and each word gets an ordinal position (jieba's own Whoosh analyzer uses character
offsets as positions, which breaks phrase queries).

Index mode also emits, at the same position, the dictionary sub-words of long words (农业 inside
农业开发) and the canonical form of a synonym (空壳村 -> 消薄). Query mode emits the words
themselves plus canonical forms; sub-word expansion happens only on the index side, so a short
query word finds a longer indexed word but a long query word does not match its fragments.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

SHIPPED_DATA_DIR = Path(__file__).parent / "data"
# The files that decide how text is analysed, in the order a fingerprint lists them (an
# editor may override the first three).
DATA_FILES = ("userdict.txt", "synonyms.txt", "concepts.yaml", "vocabulary.yaml")

# Words too common to carry meaning in this domain's queries; also dropped at index time.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 有 把 被 对 为 也 都 就 而 等 这 那 之 以 于 将 从 并 其 "
    "怎么 怎样 如何 什么 哪些 哪个 吗 呢 啊 吧 呀 我 我们 你 你们 他 她 它 咱们 咱 "
    "一个 一些 这个 那个 可以 能 会 要 想 让 给 还 又 很 更 最 "
    "the a an of and or to in on for is are".split()
)
UNITS = "元|亩|户|人|个|家|处|次|条|名|支|年|%"
# 750亩, 750余亩, 100万余元, 63.5万元, 48%, 8.06亿元: the number and its unit as one token.
NUMBER_PATTERN = (rf"\d+(?:\.\d+)?(?:余|多)?(?:万|亿)?(?:余|多)?(?:{UNITS})"
                  r"|\d+(?:\.\d+)?(?:余|多)?(?:万|亿)")
NUMBER_RE = re.compile(rf"^(\d+(?:\.\d+)?)(?:余|多)?(万|亿)?(?:余|多)?({UNITS})?$")
# 1+2+N: letters and digits joined by plus signs.
ALNUM_PLUS = r"[0-9a-z]+(?:\s*\+\s*[0-9a-z]+)+"
# 村集体+公司+农户 when not a known literal: Chinese runs joined by plus signs; the outer runs
# are trimmed to one jieba word later so 推广村集体+公司+农户等 does not swallow its neighbours.
HAN_PLUS_RE = re.compile(r"[\u4e00-\u9fff]+(?:\+[\u4e00-\u9fff]+)+")
WORD_CHAR_RE = re.compile(r"[0-9a-z\u4e00-\u9fff]")


@dataclass(frozen=True)
class Tok:
    text: str
    start: int  # character offsets into the original text
    end: int
    pos: int  # ordinal word position
    main: bool = True  # False for sub-words and synonym canonicals


def _normalise_char(ch: str) -> str:
    """NFKC + lower-case, but only where that keeps one character (offsets must not move)."""
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch.lower() if len(ch.lower()) == 1 else ch


_FOLD = {}


def normalise(text: str) -> str:
    """Fold full-width forms and case; the result has exactly the length of `text`."""
    out = []
    for ch in text:
        folded = _FOLD.get(ch)
        if folded is None:
            folded = _FOLD.setdefault(ch, _normalise_char(ch))
        out.append(folded)
    return "".join(out)


def is_word(text: str) -> bool:
    return bool(WORD_CHAR_RE.search(text)) and text not in STOPWORDS


def literal_forms(lit: str) -> tuple[str, list[str]]:
    """Canonical literal text and the parts also indexed with it."""
    lit = re.sub(r"\s+", "", lit)
    m = NUMBER_RE.match(lit)
    if m:
        number, big, unit = m.group(1), m.group(2) or "", m.group(3) or ""
        return number + big + unit, [number]
    return lit, [p for p in lit.split("+") if len(p) > 1]


def subwords(word: str, freq: dict) -> list[tuple[str, int]]:
    """Dictionary words inside a longer word, with their offset in it (search-mode pieces)."""
    out = []
    for n in range(2, len(word)):
        for i in range(len(word) - n + 1):
            piece = word[i : i + n]
            if freq.get(piece):
                out.append((piece, i))
    return out


