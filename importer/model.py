"""What an import produces: drafts a person reviews before anything is published."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import yaml


class ImportFailed(Exception):
    """A file that cannot be imported; `.message` is one Chinese sentence for the editor."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Draft:
    """One suggested case: front matter with provenance, a Markdown body, the sentences cited."""

    slug: str
    title: str
    kind: str  # "case" | "practice" | "overview" (the report's own preamble)
    meta: dict
    body: str
    sentences: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        """The whole case file: YAML front matter, then the body."""
        front = yaml.safe_dump(self.meta, allow_unicode=True, sort_keys=False, width=100_000)
        return f"---\n{front}---\n\n{self.body.strip()}\n"


@dataclass
class ImportResult:
    source_name: str
    source_text: str  # the plain text every quote in the drafts is taken from
    drafts: list[Draft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def figure_count(self) -> int:
        return sum(len(d.meta.get("figures") or []) for d in self.drafts)
