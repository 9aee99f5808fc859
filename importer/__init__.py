"""Import reports (Word, PDF, web pages, Markdown, text) as draft cases for an editor to review.

Plain Python: never imports flask, web, app or cli. Every figure and facet value of a draft
carries the source sentence it came from; nothing is suggested without one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from importer.model import Draft
from importer.model import ImportFailed
from importer.model import ImportResult

if TYPE_CHECKING:
    from analysis.analyzer import Analyzer
    from analysis.vocabulary import Vocabulary

__all__ = ["Draft", "ImportFailed", "ImportResult", "import_file", "import_text"]
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def import_file(path: Path, vocab: Vocabulary, *, analyzer: Analyzer,
                original_name: str | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES) -> ImportResult:
    """Read one report and split it into drafts.

    :param original_name: the uploaded file's name (its suffix picks the reader); defaults to
        the path's name, since an upload is usually saved under a temporary name.
    :raise ImportFailed: the file is too large, of an unknown type, unsafe, unreadable, or
        holds no recognisable case; `.message` says which, in Chinese.
    """
    from importer.build import build_result
    from importer.readers import read_document

    name = original_name or Path(path).name
    document = read_document(Path(path), name, max_bytes)
    return build_result(document, name, vocab, analyzer)


def import_text(text: str, name: str, vocab: Vocabulary, *, analyzer: Analyzer) -> ImportResult:
    """Import Markdown or plain text already in memory (`name` picks which)."""
    from importer.build import build_result
    from importer.readers import read_markdown
    from importer.readers import read_plain

    reader = read_markdown if name.lower().endswith((".md", ".markdown")) else read_plain
    return build_result(reader(text), name, vocab, analyzer)
