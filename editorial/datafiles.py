"""The editor's copies of the analyzer's data files (dictionary words, synonym groups).

The shipped files in analysis/data stay untouched (they may sit in a read-only install); an
edit writes the whole file to the editable folder (instance/data by default), which
analysis.analyzer reads in preference, records a revision and the caller starts a full
reindex (every case must be analysed with the new words).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from sqlalchemy.orm import Session

from analysis.segment import SHIPPED_DATA_DIR
from editorial.models import Revision
from editorial.records import read_text
from editorial.records import write_revision

FILES = {"userdict.txt": "词典（分词用词）", "synonyms.txt": "同义词组"}
if (SHIPPED_DATA_DIR / "concepts.yaml").is_file():  # issue 13's concept lexicon, when shipped
    FILES["concepts.yaml"] = "概念词表"
WORD_RE = re.compile(r"^[^\s#]{2,20}$")


class DataEditError(ValueError):
    """An edit that cannot be saved; the message is for people (Chinese)."""


def current_text(data_dir: Path, name: str) -> str:
    """The editor's copy if there is one, else the shipped file."""
    text = read_text(Path(data_dir) / name)
    return text if text is not None else (SHIPPED_DATA_DIR / name).read_text(encoding="utf-8")


def parse_words(raw: str) -> list[str]:
    """Words typed in one box, split on spaces, commas or 、; each checked."""
    words = [w for w in re.split(r"[\s,，、;；]+", raw.strip()) if w]
    for w in words:
        if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") for c in w):
            raise DataEditError("词里有看不见的控制字符（可能是从别处复制来的），请重新输入")
        if not WORD_RE.match(w):
            raise DataEditError(f"“{w[:20]}”不是有效的词（2–20 个字，不含空格和 #）")
    return list(dict.fromkeys(words))


def with_word(text: str, word: str, freq: int = 20000, tag: str = "n") -> str:
    existing = {line.split(" ")[0] for line in text.splitlines() if line and line[0] != "#"}
    if word in existing:
        raise DataEditError(f"词典中已有“{word}”")
    return text.rstrip("\n") + f"\n{word} {freq} {tag}\n"


def with_group(text: str, group: list[str]) -> str:
    """Add a synonym group (first word canonical); a word may belong to one group only."""
    if len(group) < 2:
        raise DataEditError("同义词组至少需要两个词，第一个是标准词")
    taken = {w for line in text.splitlines()
             for w in line.split("#", 1)[0].split()}
    clash = [w for w in group if w in taken]
    if clash:
        raise DataEditError(f"“{'、'.join(clash)}”已在其他同义词组中")
    return text.rstrip("\n") + "\n" + " ".join(group) + "\n"


def with_concept(text: str, phrases: list[str], concepts: list[str], vocab) -> str:
    """Add a concept-lexicon entry: plain words (phrases) that point to vocabulary values.

    The new file is read back with the lexicon's own loader before it is returned, so a
    saved lexicon always loads.
    """
    allowed = set(vocab.models) | set(vocab.industries) | set(vocab.resources)
    if not phrases or not concepts:
        raise DataEditError("概念词条需要至少一个说法和一个概念")
    unknown = [c for c in concepts if c not in allowed]
    if unknown:
        raise DataEditError(f"“{'、'.join(unknown)}”不是词表中的模式、产业或资源")
    entry = (f"  - kind: need\n    phrases: [{', '.join(map(_quoted, phrases))}]\n"
             f"    concepts: [{', '.join(map(_quoted, concepts))}]\n")
    new = text.rstrip("\n") + "\n" + entry
    lexicon_from_text(new)
    return new


def _quoted(word: str) -> str:
    return '"' + word.replace("\\", "").replace('"', "") + '"'


def lexicon_from_text(text: str):
    """Load a lexicon from text (through a temporary file: the loader reads paths)."""
    import tempfile

    from analysis.concepts import LexiconError
    from analysis.concepts import load_lexicon

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "concepts.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            return load_lexicon(path)
        except LexiconError as exc:
            raise DataEditError(str(exc)) from exc


def save(session: Session, data_dir: Path, name: str, text: str, user: str) -> Revision:
    """Write the editor's copy and record the revision; the caller starts the full rebuild,
    whose new generation brings a new analyzer to every worker."""
    if name not in FILES:
        raise DataEditError("不能编辑这个文件")
    rev = write_revision(session, Path(data_dir) / name, f"data:{name}", text, "edit-data", user)
    session.commit()
    return rev
