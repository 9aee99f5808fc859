"""The one analyzer: a data folder in; tokens, normalised text and concept matches out.

One `Analyzer` is built from the shipped data files, or from an editor's folder whose files are
read instead (instance/data), and is passed to whoever analyses text: the build, the search
service (one per serving generation), the importer and the provenance check. It holds its own
jieba tokenizer, synonym map and concept lexicon; nothing here is a module global, so two
analyzers with different dictionaries can live in one process (the editor's preview does that).
An editor's edit reaches search when the next generation is opened: the search service asks
`is_current()` there and builds a new analyzer when the files changed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from functools import cached_property
from pathlib import Path

import jieba
from whoosh.analysis import Token
from whoosh.analysis import Tokenizer

from analysis.concepts import ConceptMatch
from analysis.concepts import Lexicon
from analysis.concepts import load_lexicon
from analysis.concepts import tag_text
from analysis.segment import ALNUM_PLUS
from analysis.segment import DATA_FILES
from analysis.segment import HAN_PLUS_RE
from analysis.segment import NUMBER_PATTERN
from analysis.segment import SHIPPED_DATA_DIR
from analysis.segment import Tok
from analysis.segment import is_word
from analysis.segment import literal_forms
from analysis.segment import normalise
from analysis.segment import subwords
from analysis.vocabulary import load_vocabulary

# jieba.Tokenizer() reads jieba's shipped dictionary; one at a time keeps memory flat.
_JIEBA_INIT = threading.Lock()


class Analyzer:
    """Segmentation, synonyms and concepts from one set of data files."""

    def __init__(self, data_dir: Path | None = None):
        """:param data_dir: an editor's folder whose files replace the shipped ones."""
        self.data_dir = Path(data_dir) if data_dir else None
        self.fingerprint = self._fingerprint()
        self._lock = threading.Lock()

    def data_file(self, name: str) -> Path:
        """The editor's copy of a data file when there is one, else the shipped file."""
        if self.data_dir is not None and (self.data_dir / name).is_file():
            return self.data_dir / name
        return SHIPPED_DATA_DIR / name

    def _fingerprint(self) -> str:
        digest = hashlib.sha256()
        for name in DATA_FILES:
            path = self.data_file(name)
            digest.update(str(path).encode())
            digest.update(path.read_bytes() if path.is_file() else b"-")
        return digest.hexdigest()[:16]

    def is_current(self) -> bool:
        """False once an editor saved a data file this analyzer did not read."""
        return self._fingerprint() == self.fingerprint

    # --- loaded data -------------------------------------------------------------------------

    @cached_property
    def synonyms(self) -> dict[str, str]:
        """Every synonym mapped to its group's canonical (first) word."""
        return read_synonyms(self.data_file("synonyms.txt"))

    @cached_property
    def lexicon(self) -> Lexicon:
        """The concept lexicon (raises `LexiconError` when the file is malformed)."""
        return load_lexicon(self.data_file("concepts.yaml"))

    @property
    def tokenizer(self) -> jieba.Tokenizer:
        """A private jieba tokenizer: the global one is shared with anything else in the process."""
        tk = self.__dict__.get("_tokenizer")
        if tk is None:
            with self._lock:
                tk = self.__dict__.get("_tokenizer") or self._load_tokenizer()
                self.__dict__["_tokenizer"] = tk
        return tk

    def _load_tokenizer(self) -> jieba.Tokenizer:
        with _JIEBA_INIT:
            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer()
            tk.initialize()
        userdict = self.data_file("userdict.txt")
        if userdict.exists():
            with open(userdict, "rb") as fh:  # a path would leave jieba's handle unclosed
                tk.load_userdict(fh)
        # Every synonym and vocabulary value must survive segmentation whole.
        for word in set(self.synonyms) | set(self.synonyms.values()) | vocab_words():
            if "+" not in word:
                tk.add_word(word, freq=max(tk.suggest_freq(word), 3000))
        return tk

    @cached_property
    def known_literals(self) -> frozenset[str]:
        """Plus-literals named in the vocabulary or the dictionary, e.g. 村集体+公司+农户."""
        known = {w for w in vocab_words(with_plus=True) if "+" in w}
        userdict = self.data_file("userdict.txt")
        if userdict.exists():
            for line in userdict.read_text(encoding="utf-8").splitlines():
                word = normalise(line.split(" ")[0].strip())
                if "+" in word:
                    known.add(word)
        return frozenset(known)

    @cached_property
    def _literal_re(self) -> re.Pattern:
        """Known plus-literals first, longest first, then the generic forms."""
        alts = [re.escape(w) for w in sorted(self.known_literals, key=len, reverse=True)]
        return re.compile("|".join(alts + [ALNUM_PLUS, NUMBER_PATTERN, HAN_PLUS_RE.pattern]))

    def warm_up(self) -> Analyzer:
        """Load the dictionary and lexicon now rather than on the first request."""
        self.tokenizer  # noqa: B018 (loads)
        self.lexicon  # noqa: B018
        return self

    # --- analysis ----------------------------------------------------------------------------

    def analyze(self, text: str, mode: str = "index") -> list[Tok]:
        """Segment `text` (see analysis.segment's docstring for what each mode emits)."""
        return _analyze(self, text, mode, self.tokenizer, self.synonyms)

    def segment(self, text: str) -> list[str]:
        """The main words of `text` in order (what a reader would call its words)."""
        return [t.text for t in self.analyze(text, mode="query") if t.main]

    def concepts(self, text: str) -> list[ConceptMatch]:
        """Every concept of the lexicon the text speaks of, in text order."""
        return tag_text(text, self.lexicon)

    def preview(self, text: str, words: list[str], groups: list[list[str]]) -> list[Tok]:
        """Query-mode analysis as if `words` were in the dictionary and `groups` in the synonyms,
        without changing this analyzer (a copy of its loaded dictionary)."""
        base = self.tokenizer
        tk = jieba.Tokenizer()
        tk.FREQ, tk.total, tk.initialized = dict(base.FREQ), base.total, True
        canon = dict(self.synonyms)
        for group in groups:
            group = [normalise(w) for w in group]
            for w in group[1:]:
                canon.setdefault(w, group[0])
            words = [*words, *group]
        for word in words:
            if "+" not in word:
                tk.add_word(normalise(word), freq=max(tk.suggest_freq(normalise(word)), 3000))
        return _analyze(self, text, "query", tk, canon)

    def whoosh_tokenizer(self) -> CaseTokenizer:
        """The Whoosh analyzer of every text field, bound to this analyzer."""
        return CaseTokenizer(self)


def read_synonyms(path: Path) -> dict[str, str]:
    """Map every synonym in a synonyms file to its group's canonical (first) word."""
    canon: dict[str, str] = {}
    if not path.exists():
        return canon
    for line in path.read_text(encoding="utf-8").splitlines():
        words = [normalise(w) for w in line.split("#", 1)[0].split()]
        for w in words[1:]:
            canon.setdefault(w, words[0])
    return canon


def vocab_words(with_plus: bool = False) -> set[str]:
    v = load_vocabulary()
    words = set(v.models) | set(v.industries) | set(v.resources) | set(v.terrain)
    return {normalise(w) for w in words if with_plus or "+" not in w}


def _trim_han_literal(analyzer: Analyzer, tk: jieba.Tokenizer, norm: str, start: int,
                      end: int) -> tuple[int, int]:
    """Shrink a generic Chinese plus-literal to the jieba word at each end."""
    text = norm[start:end]
    known = analyzer.known_literals
    if text in known or not HAN_PLUS_RE.fullmatch(text):
        return start, end
    for literal in sorted(known, key=len, reverse=True):
        at = text.find(literal)
        if at >= 0:  # the generic run began earlier than a known literal inside it
            return start + at, start + at + len(literal)
    first, last = text.split("+")[0], text.split("+")[-1]
    left_word = list(tk.cut(first, HMM=False))[-1]
    right_word = list(tk.cut(last, HMM=False))[0]
    return start + len(first) - len(left_word), end - len(last) + len(right_word)


def _analyze(analyzer: Analyzer, text: str, mode: str, tk: jieba.Tokenizer,
             canon: dict[str, str]) -> list[Tok]:
    norm = normalise(text)
    toks: list[Tok] = []
    pos = 0

    def emit(word: str, start: int, end: int, parts: list[str]) -> None:
        nonlocal pos
        if not is_word(word):
            return
        toks.append(Tok(word, start, end, pos))
        # Parts of a literal and synonyms point at the whole word; a dictionary sub-word points
        # at its own characters, so 光伏 inside 光伏发电 is highlighted as exactly 光伏.
        extra = [(p, start, end) for p in parts] + [(canon.get(word, ""), start, end)]
        if mode == "index" and not parts and len(word) > 2:
            extra += [(p, start + i, start + i + len(p)) for p, i in subwords(word, tk.FREQ)]
        seen = {word}
        for piece, s, e in extra:
            if piece and piece not in seen and is_word(piece):
                seen.add(piece)
                toks.append(Tok(piece, s, e, pos, main=False))
        pos += 1

    cursor = 0
    for m in analyzer._literal_re.finditer(norm):
        start, end = _trim_han_literal(analyzer, tk, norm, m.start(), m.end())
        _cut(tk, norm, cursor, start, emit)
        lit, parts = literal_forms(norm[start:end])
        emit(lit, start, end, parts if mode == "index" else [])
        cursor = end
    _cut(tk, norm, cursor, len(norm), emit)
    return toks


def _cut(tk: jieba.Tokenizer, norm: str, start: int, end: int, emit) -> None:
    if start >= end:
        return
    offset = start
    for word in tk.cut(norm[start:end], HMM=False):
        emit(word.strip(), offset, offset + len(word), [])
        offset += len(word)


class CaseTokenizer(Tokenizer):
    """Whoosh tokenizer over an `Analyzer`, with ordinal positions and exact character offsets.

    Whoosh pickles the schema, analyzers included, into the index: the analyzer itself is not
    pickled (a jieba dictionary is large), and an opened index is bound to the analyzer of the
    generation that serves it (`bind`).
    """

    def __init__(self, analyzer: Analyzer | None = None):
        self.analyzer = analyzer

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.analyzer = None

    def __eq__(self, other):
        return isinstance(other, CaseTokenizer)

    def __hash__(self):
        return hash(type(self))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        if self.analyzer is None:
            raise RuntimeError("this index's analyzer is not bound (CaseTokenizer.bind)")
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for tok in self.analyzer.analyze(value, mode="query" if mode == "query" else "index"):
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

    @staticmethod
    def bind(schema, analyzer: Analyzer) -> None:
        """Point every text field of an opened Whoosh schema at `analyzer`."""
        for _name, fieldtype in schema.items():
            tokenizer = getattr(fieldtype, "analyzer", None)
            if isinstance(tokenizer, CaseTokenizer):
                tokenizer.analyzer = analyzer
