"""The one analysis used at index time and at query time.

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

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba
from whoosh.analysis import Token
from whoosh.analysis import Tokenizer

from analysis.vocabulary import load_vocabulary

DATA_DIR = Path(__file__).parent / "data"
USERDICT = DATA_DIR / "userdict.txt"
SYNONYMS = DATA_DIR / "synonyms.txt"
# Editors' copies of the data files (instance/data by default, see set_data_dir): a file there
# is read instead of the shipped one, so the installed package is never written to.
_override_dir: Path | None = None
_override_stamp: tuple = ()
_reload_hooks: list = []  # caches built from these files elsewhere (highlight, concepts)

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

log = logging.getLogger(__name__)


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


def data_file(name: str) -> Path:
    """The editor's copy of a data file when there is one, else the shipped file."""
    if _override_dir is not None and (_override_dir / name).is_file():
        return _override_dir / name
    return DATA_DIR / name


def _stamp() -> tuple:
    if _override_dir is None:
        return ()
    out = []
    for name in ("userdict.txt", "synonyms.txt", "concepts.yaml"):
        try:
            out.append((_override_dir / name).stat().st_mtime_ns)
        except OSError:
            out.append(None)
    return tuple(out)


def set_data_dir(path: Path | None) -> None:
    """Read editable data files from `path` (None: only the shipped ones); reloads when that
    changes what is read (every app calls this: an unchanged setting keeps the loaded data)."""
    global _override_dir
    new = Path(path) if path is not None else None
    if new == _override_dir:
        reload_if_changed()
        return
    _override_dir = new
    reload()


def reload() -> None:
    """Forget the loaded dictionary and synonyms; the next analysis reads the files again."""
    global _override_stamp
    _override_stamp = _stamp()
    for cached in (synonym_groups, _jieba, _known_literals, _literal_re):
        cached.cache_clear()
    for hook in _reload_hooks:
        hook()


def on_reload(hook) -> None:
    """Call `hook()` whenever the data files are read again (to drop derived caches)."""
    _reload_hooks.append(hook)


def reload_if_changed() -> bool:
    """Reload when another process saved an editable data file; True if it did."""
    if _stamp() == _override_stamp:
        return False
    reload()
    return True


@lru_cache(maxsize=1)
def synonym_groups(path: Path | None = None) -> dict[str, str]:
    """Map every synonym to its group's canonical (first) word."""
    path = path or data_file("synonyms.txt")
    canon: dict[str, str] = {}
    if not path.exists():
        return canon
    for line in path.read_text(encoding="utf-8").splitlines():
        words = [normalise(w) for w in line.split("#", 1)[0].split()]
        for w in words[1:]:
            canon.setdefault(w, words[0])
    return canon


_tokenizer_lock = threading.Lock()


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    """A private tokenizer: the global jieba one is shared with anything else in the process."""
    with _tokenizer_lock:
        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.initialize()
        userdict = data_file("userdict.txt")
        if userdict.exists():
            with open(userdict, "rb") as fh:  # a path would leave jieba's handle unclosed
                tk.load_userdict(fh)
        # Every synonym and vocabulary value must survive segmentation whole.
        for word in set(synonym_groups()) | set(synonym_groups().values()) | _vocab_words():
            if "+" not in word:
                tk.add_word(word, freq=max(tk.suggest_freq(word), 3000))
        return tk


def _vocab_words(with_plus: bool = False) -> set[str]:
    v = load_vocabulary()
    words = set(v.models) | set(v.industries) | set(v.resources) | set(v.terrain)
    return {normalise(w) for w in words if with_plus or "+" not in w}


def _is_word(text: str) -> bool:
    return bool(WORD_CHAR_RE.search(text)) and text not in STOPWORDS


def _literal_forms(lit: str) -> tuple[str, list[str]]:
    """Canonical literal text and the parts also indexed with it."""
    lit = re.sub(r"\s+", "", lit)
    m = NUMBER_RE.match(lit)
    if m:
        number, big, unit = m.group(1), m.group(2) or "", m.group(3) or ""
        return number + big + unit, [number]
    return lit, [p for p in lit.split("+") if len(p) > 1]


@lru_cache(maxsize=1)
def _known_literals() -> frozenset[str]:
    """Plus-literals named in the vocabulary or the dictionary, e.g. 村集体+公司+农户."""
    known = {w for w in _vocab_words(with_plus=True) if "+" in w}
    userdict = data_file("userdict.txt")
    if userdict.exists():
        for line in userdict.read_text(encoding="utf-8").splitlines():
            word = normalise(line.split(" ")[0].strip())
            if "+" in word:
                known.add(word)
    return frozenset(known)


@lru_cache(maxsize=1)
def _literal_re() -> re.Pattern:
    """Known plus-literals first, longest first, then the generic forms."""
    alts = [re.escape(w) for w in sorted(_known_literals(), key=len, reverse=True)]
    return re.compile("|".join(alts + [ALNUM_PLUS, NUMBER_PATTERN, HAN_PLUS_RE.pattern]))


def _trim_han_literal(tk: jieba.Tokenizer, norm: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a generic Chinese plus-literal to the jieba word at each end."""
    text = norm[start:end]
    if text in _known_literals() or not HAN_PLUS_RE.fullmatch(text):
        return start, end
    for known in sorted(_known_literals(), key=len, reverse=True):
        at = text.find(known)
        if at >= 0:  # the generic run began earlier than a known literal inside it
            return start + at, start + at + len(known)
    first, last = text.split("+")[0], text.split("+")[-1]
    left_word = list(tk.cut(first, HMM=False))[-1]
    right_word = list(tk.cut(last, HMM=False))[0]
    return start + len(first) - len(left_word), end - len(last) + len(right_word)


def _subwords(word: str, freq: dict) -> list[tuple[str, int]]:
    """Dictionary words inside a longer word, with their offset in it (search-mode pieces)."""
    out = []
    for n in range(2, len(word)):
        for i in range(len(word) - n + 1):
            piece = word[i : i + n]
            if freq.get(piece):
                out.append((piece, i))
    return out


def analyze(text: str, mode: str = "index", tk: jieba.Tokenizer | None = None,
            canon: dict[str, str] | None = None) -> list[Tok]:
    """Segment `text`; see the module docstring for what each mode emits.

    :param tk, canon: another dictionary and synonym map (the editor's preview of an edit).
    """
    norm = normalise(text)
    tk = tk or _jieba()
    canon = synonym_groups() if canon is None else canon
    toks: list[Tok] = []
    pos = 0

    def emit(word: str, start: int, end: int, parts: list[str]) -> None:
        nonlocal pos
        if not _is_word(word):
            return
        toks.append(Tok(word, start, end, pos))
        # Parts of a literal and synonyms point at the whole word; a dictionary sub-word points
        # at its own characters, so 光伏 inside 光伏发电 is highlighted as exactly 光伏.
        extra = [(p, start, end) for p in parts] + [(canon.get(word, ""), start, end)]
        if mode == "index" and not parts and len(word) > 2:
            extra += [(p, start + i, start + i + len(p)) for p, i in _subwords(word, tk.FREQ)]
        seen = {word}
        for piece, s, e in extra:
            if piece and piece not in seen and _is_word(piece):
                seen.add(piece)
                toks.append(Tok(piece, s, e, pos, main=False))
        pos += 1

    cursor = 0
    for m in _literal_re().finditer(norm):
        start, end = _trim_han_literal(tk, norm, m.start(), m.end())
        _segment(tk, norm, cursor, start, emit)
        lit, parts = _literal_forms(norm[start:end])
        emit(lit, start, end, parts if mode == "index" else [])
        cursor = end
    _segment(tk, norm, cursor, len(norm), emit)
    return toks


def _segment(tk: jieba.Tokenizer, norm: str, start: int, end: int, emit) -> None:
    if start >= end:
        return
    offset = start
    for word in tk.cut(norm[start:end], HMM=False):
        emit(word.strip(), offset, offset + len(word), [])
        offset += len(word)


def segment(text: str) -> list[str]:
    """Return the main words of `text` in order (what a reader would call its words)."""
    return [t.text for t in analyze(text, mode="query") if t.main]


def preview_segment(text: str, words: list[str], groups: list[list[str]]) -> list[Tok]:
    """Query-mode analysis of `text` as if `words` were in the dictionary and `groups` in the
    synonyms, without changing what this process serves (a copy of the loaded dictionary)."""
    base = _jieba()
    tk = jieba.Tokenizer()
    tk.FREQ, tk.total, tk.initialized = dict(base.FREQ), base.total, True
    canon = dict(synonym_groups())
    for group in groups:
        group = [normalise(w) for w in group]
        for w in group[1:]:
            canon.setdefault(w, group[0])
        words = [*words, *group]
    for word in words:
        if "+" not in word:
            tk.add_word(normalise(word), freq=max(tk.suggest_freq(normalise(word)), 3000))
    return analyze(text, mode="query", tk=tk, canon=canon)


def warm_up() -> None:
    """Load the dictionary now rather than on the first request."""
    _jieba()


class CaseTokenizer(Tokenizer):
    """Whoosh tokenizer over `analyze`, with ordinal positions and exact character offsets."""

    def __eq__(self, other):
        return isinstance(other, CaseTokenizer)

    def __hash__(self):
        return hash(type(self))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for tok in analyze(value, mode="query" if mode == "query" else "index"):
            t.text = tok.text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = tok.text
            if positions:
                t.pos = start_pos + tok.pos
            if chars:
                t.startchar = start_char + tok.start
                t.endchar = start_char + tok.end
            yield t


def case_analyzer() -> CaseTokenizer:
    """The analyzer every text field of the schema uses."""
    return CaseTokenizer()
