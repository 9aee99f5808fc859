"""Build a new index generation from a case folder: Whoosh, vectors, catalog and SQL rows."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session
from tqdm import tqdm
from whoosh import index as whoosh_index

from indexer import store
from indexer import terms
from indexer.case import Case
from indexer.case import case_from_dict
from indexer.case import case_to_dict
from indexer.chunk import case_chunks
from indexer.chunk import embedding_text
from indexer.models import CaseRecord
from indexer.models import record_from_case
from indexer.parse import CaseFormatError
from indexer.parse import Problem
from indexer.parse import case_files
from indexer.parse import load_case
from indexer.schema import case_document
from indexer.schema import case_schema
from indexer.vocabulary import load_vocabulary

FORMAT_VERSION = 2  # bump when the on-disk layout or the analysis changes: forces a full build


@dataclass
class BuildReport:
    generation: str = ""
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept_after_error: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    embedded: int = 0
    reused_vectors: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged) + len(
            self.kept_after_error)

    def summary(self) -> str:
        return (
            f"索引 {self.generation}：共 {self.total} 篇（新增 {len(self.added)}，更新 "
            f"{len(self.updated)}，未变 {len(self.unchanged)}，删除 {len(self.deleted)}），"
            f"{len(self.problems)} 个问题；嵌入 {self.embedded} 段，复用 {self.reused_vectors} 段；"
            f"用时 {self.seconds:.1f} 秒（嵌入 {self.embed_seconds:.1f} 秒）"
        )


@dataclass
class _Previous:
    """What the serving generation already holds, for incremental builds."""

    catalog: dict[str, dict]
    whoosh_dir: Path | None
    vectors: dict[str, np.ndarray]
    terms: terms.TermTable | None = None


def build_index(cases_dir: Path, index_dir: Path, session: Session, embedder,
                rebuild: bool = False, progress: bool = False,
                cases: dict[str, Case] | None = None) -> BuildReport:
    """Index `cases_dir` into a new generation of `index_dir` and switch to it when complete.

    A failure anywhere leaves the serving generation and the SQL rows as they were.
    :param cases: already loaded cases to index instead of reading `cases_dir` (evaluation
        corpora that are not Markdown files).
    :raise store.BuildLockedError: if another build is running.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    with store.build_lock(index_dir):
        store.clean_up(index_dir)
        report = BuildReport()
        if cases is None:
            cases = _load_cases(Path(cases_dir), report)
        prev = _previous(index_dir, embedder, rebuild)
        live = _classify(cases, prev, report)
        name, partial = store.new_generation(index_dir)
        try:
            _write_whoosh(partial, live, prev, report)
            _write_terms(partial, live, prev, report)
            _write_vectors(partial, live, prev, embedder, report, progress)
            _write_catalog(partial, live)
            _write_sql(session, live, report)
            report.generation = name
            report.seconds = time.perf_counter() - started
            store.write_json(partial / "manifest.json", _manifest(name, live, embedder, report))
            store.publish(index_dir, name, partial)
        except BaseException:
            session.rollback()
            store.discard(partial)
            raise
        store.clean_up(index_dir)
        return report


def _load_cases(cases_dir: Path, report: BuildReport) -> dict[str, Case]:
    vocab = load_vocabulary()
    cases: dict[str, Case] = {}
    for path in case_files(cases_dir):
        try:
            case = load_case(path, vocab)
        except CaseFormatError as exc:
            report.problems.extend(exc.problems)
            continue
        if case.slug in cases:
            other = cases[case.slug].path
            report.problems.append(Problem(str(path), "id", f"与 {other} 的 id 重复"))
            continue
        cases[case.slug] = case
    return cases


def _previous(index_dir: Path, embedder, rebuild: bool) -> _Previous:
    """What the serving generation holds; nothing when it is missing or unreadable."""
    try:
        return _read_previous(store.current_path(index_dir), embedder, rebuild)
    except Exception:  # missing or corrupt (any way): build everything from the case files
        return _Previous({}, None, {})


def _read_previous(path: Path, embedder, rebuild: bool) -> _Previous:
    empty = _Previous({}, None, {})
    manifest = store.read_json(path / "manifest.json")
    if manifest.get("format") != FORMAT_VERSION:
        return empty
    catalog = store.read_json(path / "catalog.json")
    vectors: dict[str, np.ndarray] = {}
    if manifest.get("embedder") == embedder.name and manifest.get("dim") == embedder.dim:
        keys = [c["key"] for c in store.read_json(path / "chunks.json")]
        matrix = np.load(path / "vectors.npy")
        vectors = dict(zip(keys, matrix, strict=True))
    if rebuild:
        return _Previous(catalog, None, {})
    whoosh_index.open_dir(str(path / "whoosh")).reader().close()  # copied below: must be whole
    return _Previous(catalog, path / "whoosh", vectors, terms.read_table(path))


def _classify(cases: dict[str, Case], prev: _Previous, report: BuildReport) -> dict[str, Case]:
    """Sort slugs into added/updated/unchanged/deleted; keep old versions of broken files."""
    live = dict(cases)
    broken_paths = {p.path for p in report.problems}
    for slug, old in prev.catalog.items():
        if slug in cases:
            continue
        # lexists: a dead link still names the case; only a removed file deletes it.
        if old["path"] in broken_paths and os.path.lexists(old["path"]):
            # A bad edit must not make a published case vanish: keep serving the last good one.
            live[slug] = case_from_dict(old)
            report.kept_after_error.append(slug)
        else:
            report.deleted.append(slug)
    for slug, case in cases.items():
        old = prev.catalog.get(slug)
        if old is None:
            report.added.append(slug)
        elif old["content_hash"] != case.content_hash or old["path"] != case.path:
            report.updated.append(slug)
        else:
            report.unchanged.append(slug)
    return live


def _write_whoosh(partial: Path, live: dict[str, Case], prev: _Previous,
                  report: BuildReport) -> None:
    target = partial / "whoosh"
    if prev.whoosh_dir is not None and prev.whoosh_dir.exists():
        shutil.copytree(prev.whoosh_dir, target)
        ix = whoosh_index.open_dir(str(target))
        changed = report.added + report.updated
    else:
        target.mkdir()
        ix = whoosh_index.create_in(str(target), case_schema())
        changed = list(live)
    with ix.writer(limitmb=256) as writer:
        for slug in report.deleted:
            writer.delete_by_term("slug", slug)
        for slug in changed:
            writer.update_document(**case_document(live[slug]))
    ix.close()


def _write_terms(partial: Path, live: dict[str, Case], prev: _Previous,
                 report: BuildReport) -> None:
    """Term arrays for BM25: previous rows of unchanged cases, fresh rows for the rest."""
    changed = set(report.added + report.updated)
    terms.write_table(partial, terms.build_table(live, prev.terms, changed))


def _write_vectors(partial: Path, live: dict[str, Case], prev: _Previous, embedder,
                   report: BuildReport, progress: bool) -> None:
    chunks = [(live[slug], ch) for slug in sorted(live) for ch in case_chunks(live[slug])]
    todo = [i for i, (_, ch) in enumerate(chunks) if ch.key not in prev.vectors]
    matrix = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    for i, (_, ch) in enumerate(chunks):
        if ch.key in prev.vectors:
            matrix[i] = prev.vectors[ch.key]
    started = time.perf_counter()
    batch = 64
    bar = tqdm(total=len(todo), desc="嵌入", unit="段", disable=not progress or not todo)
    for start in range(0, len(todo), batch):
        rows = todo[start:start + batch]
        texts = [embedding_text(chunks[i][0].title, chunks[i][1]) for i in rows]
        matrix[rows] = embedder.encode_documents(texts)
        bar.update(len(rows))
    bar.close()
    report.embed_seconds = time.perf_counter() - started
    report.embedded, report.reused_vectors = len(todo), len(chunks) - len(todo)
    np.save(partial / "vectors.npy", matrix)
    store.write_json(partial / "chunks.json", [
        {"slug": ch.slug, "section": ch.section, "text": ch.text, "key": ch.key}
        for _, ch in chunks
    ])


def _write_catalog(partial: Path, live: dict[str, Case]) -> None:
    store.write_json(partial / "catalog.json", {s: case_to_dict(c) for s, c in live.items()})


def _write_sql(session: Session, live: dict[str, Case], report: BuildReport) -> None:
    """Upsert changed rows and delete removed ones in one transaction."""
    existing = set(session.scalars(select(CaseRecord.slug)))
    replace = set(report.added + report.updated) | (set(live) - existing)
    stale = (existing - set(live)) | (replace & existing)
    if stale:  # figures and traits go with their case (ON DELETE CASCADE)
        session.execute(delete(CaseRecord).where(CaseRecord.slug.in_(stale)))
    for slug in sorted(replace):
        session.add(record_from_case(live[slug]))
    session.commit()


def _manifest(name: str, live: dict[str, Case], embedder, report: BuildReport) -> dict:
    return {
        "format": FORMAT_VERSION,
        "generation": name,
        "embedder": embedder.name,
        "dim": embedder.dim,
        "cases": len(live),
        "hashes": {s: c.content_hash for s, c in live.items()},
        "seconds": round(report.seconds, 3),
    }
