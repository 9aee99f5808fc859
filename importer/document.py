"""The plain shape every reader produces: a title and a list of headings and paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

CJK_RE = re.compile(r"[\u4e00-\u9fff]")
# A wrapped line inside Chinese text is not a word gap; joining must not add a space.
_CJK_EDGE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’—…]")


@dataclass(frozen=True)
class Block:
    text: str
    level: int = 0  # 0 paragraph, 1-6 heading level


@dataclass
class Document:
    blocks: list[Block]
    title: str | None = None
    warnings: list[str] = field(default_factory=list)
    title_from_heading: bool = False  # a heading of the text, not a title the file declares

    def text(self) -> str:
        """The source text the drafts quote: one block per line."""
        return "\n".join(b.text for b in self.blocks)


def clean_line(text: str) -> str:
    """Collapse runs of white space; keep every visible character as the source wrote it."""
    return re.sub(r"[ \t\u00a0\u3000]+", " ", text.replace("\r", "")).strip()


def join_wrapped(lines: list[str]) -> str:
    """Join lines of one paragraph: no space between Chinese characters, one between words."""
    out = ""
    for line in (clean_line(x) for x in lines):
        if not line:
            continue
        if out and not (_CJK_EDGE.match(out[-1]) or _CJK_EDGE.match(line[0])):
            out += " "
        out += line
    return out


def make_blocks(items: list[tuple[str, int]]) -> list[Block]:
    """Blocks from (text, level) pairs, dropping empty ones."""
    return [Block(clean_line(t), lvl) for t, lvl in items if clean_line(t)]


def first_chinese_heading(blocks: list[Block]) -> str | None:
    """A document's title is its first heading written in Chinese, if any."""
    for b in blocks:
        if b.level and CJK_RE.search(b.text):
            return b.text
    return None
