"""Cut a case into section-sized passages for the embedding model (e5 reads 512 tokens at most)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from casefile.case import Case
from casefile.markdown import plain_text

# Chinese runs about 0.71 e5 tokens a character: 600 characters stay well inside 512 tokens.
MAX_CHARS = 600
SENTENCE_END_RE = re.compile(r"(?<=[。！？；!?;\n])")


@dataclass(frozen=True)
class Chunk:
    slug: str
    section: str  # heading, or 摘要 for title + summary
    text: str

    @property
    def key(self) -> str:
        """Content hash: an unchanged passage is never embedded twice."""
        return hashlib.sha1(f"{self.section}\n{self.text}".encode()).hexdigest()


def split_passages(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Split at sentence ends into pieces of at most `limit` characters."""
    pieces, current = [], ""
    for sentence in SENTENCE_END_RE.split(text):
        while len(sentence) > limit:  # one huge sentence: cut it hard
            pieces.append(current + sentence[: limit - len(current)])
            sentence, current = sentence[limit - len(current):], ""
        if len(current) + len(sentence) > limit:
            pieces.append(current)
            current = ""
        current += sentence
    if current.strip():
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def case_chunks(case: Case) -> list[Chunk]:
    """Title + summary first, then each section's passages."""
    head = "。".join(p for p in (case.title, case.summary) if p)  # untitled passages: no "。" lead
    chunks = [Chunk(case.slug, "摘要", head)]
    for section in case.sections:
        for passage in split_passages(plain_text(section.text)):
            chunks.append(Chunk(case.slug, section.heading, passage))
    return chunks


def embedding_text(case_title: str, chunk: Chunk) -> str:
    """What the model reads: the passage with its case and section for context."""
    if chunk.section == "摘要":
        return chunk.text
    return f"{case_title}｜{chunk.section}：{chunk.text}"
