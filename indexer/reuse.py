"""What an incremental build reuses from the serving generation without reading cases again.

A case file whose path, size and modification time are those recorded by the previous build
(and read under the same dictionary and vocabulary) is not parsed again: its catalog entry,
passages, vectors, term row and Whoosh document are carried over as they are. Parsing every
Markdown file of a 10,000-case library is what an update of one case used to spend its time on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from collections.abc import Mapping
from pathlib import Path

from casefile.case import Case
from casefile.case import case_from_dict
from casefile.case import case_to_dict

FILES = "files.json"  # {"analysis": fingerprint, "files": {path: [size, mtime_ns, slug]}}


def signature(path: Path) -> list:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def unchanged_files(previous: dict, fingerprint: str) -> dict[str, list]:
    """{path: [size, mtime_ns, slug]} of the previous build, if read with the same analysis."""
    if previous.get("analysis") != fingerprint:
        return {}
    return previous.get("files", {})


class LiveCases(Mapping):
    """The cases of the new generation: parsed `Case`s and catalog dicts carried over.

    A carried-over case becomes a `Case` only when some writer needs one (rarely: only
    when its SQL row is missing); the catalog and the manifest take its dict as it is.
    """

    def __init__(self, cases: dict[str, Case], stored: dict[str, dict]):
        self._cases = dict(cases)
        self._stored = {s: d for s, d in stored.items() if s not in cases}

    def __getitem__(self, slug: str) -> Case:
        case = self._cases.get(slug)
        if case is None:
            case = self._cases[slug] = case_from_dict(self._stored[slug])
        return case

    def __iter__(self) -> Iterator[str]:
        yield from self._cases
        yield from (s for s in self._stored if s not in self._cases)

    def __len__(self) -> int:
        return len(self._cases) + sum(1 for s in self._stored if s not in self._cases)

    def __contains__(self, slug) -> bool:
        return slug in self._cases or slug in self._stored

    def keep(self, slug: str, stored: dict) -> None:
        """Carry over a case whose file is broken now (the last good version keeps serving)."""
        self._cases.pop(slug, None)
        self._stored[slug] = stored

    def as_dict(self, slug: str) -> dict:
        """The catalog entry (the stored one, untouched, when the case was carried over)."""
        stored = self._stored.get(slug)
        return stored if stored is not None else case_to_dict(self._cases[slug])

    def content_hash(self, slug: str) -> str:
        stored = self._stored.get(slug)
        return stored["content_hash"] if stored is not None else self._cases[slug].content_hash

    def path(self, slug: str) -> str:
        stored = self._stored.get(slug)
        return stored["path"] if stored is not None else self._cases[slug].path
