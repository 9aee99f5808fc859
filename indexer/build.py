"""Build a new index generation from a case folder: Whoosh, vectors, catalog and SQL rows."""

from __future__ import annotations

import os
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

from analysis.analyzer import Analyzer
from analysis.analyzer import CaseTokenizer
from analysis.concepts import case_concepts
from analysis.figures import text_figures
from analysis.vocabulary import load_vocabulary
from casefile.case import Case
from casefile.chunk import case_chunks
from casefile.chunk import embedding_text
from casefile.parse import CaseFormatError
from casefile.parse import Problem
from casefile.parse import case_files
from casefile.parse import load_case
from db.models import CaseRecord
from db.models import record_from_case
from indexer import reuse
from indexer import store
from indexer import terms
from indexer.schema import case_document
from indexer.schema import case_schema

CONCEPTS = "concepts.json"  # {"analysis": fingerprint, "cases": {slug: {concept: strength}}}
EMBED_CALL = 256  # passages per encode_documents call (the embedder batches within it)
FIGURES = "figures.json"  # {"analysis": fingerprint, "cases": {slug: [figures read from its text]}}
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
    chunks: dict[str, list[dict]] = field(default_factory=dict)  # passage records per slug
    files: dict = field(default_factory=dict)  # the previous build's reuse.FILES
    concepts: dict = field(default_factory=dict)  # the previous build's CONCEPTS
    figures: dict | None = None  # the previous build's FIGURES (None: read every case again)


def build_index(cases_dir: Path, index_dir: Path, session: Session, embedder,
                analyzer: Analyzer, rebuild: bool = False, progress: bool = False,
                keep_vectors: bool = False,
                cases: dict[str, Case] | None = None) -> BuildReport:
    """Index `cases_dir` into a new generation of `index_dir` and switch to it when complete.

    A failure anywhere leaves the serving generation and the SQL rows as they were.
    :param cases: already loaded cases to index instead of reading `cases_dir` (evaluation
        corpora that are not Markdown files).
    :param rebuild: parse and analyse every case again, reusing nothing of the previous build;
        with `keep_vectors`, the embeddings of unchanged passage texts are still reused (an
        editor's dictionary edit changes the analysis, not the text the model reads).
    :raise store.BuildLockedError: if another build is running.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    with store.build_lock(index_dir):
        store.clean_up(index_dir)
        report = BuildReport()
        prev = _previous(index_dir, embedder, rebuild, keep_vectors)
        if cases is None:
            cases, files = _load_cases(Path(cases_dir), report, prev, analyzer)
        else:
            cases, files = reuse.LiveCases(cases, {}), {}
        live = _classify(cases, prev, report)
        name, partial = store.new_generation(index_dir)
        try:
            _write_whoosh(partial, live, prev, report, analyzer)
            _write_terms(partial, live, prev, report, analyzer)
            _write_vectors(partial, live, prev, embedder, report, progress)
            _write_catalog(partial, live)
            _write_concepts(partial, live, prev, report, analyzer)
            _write_figures(partial, live, prev, report, analyzer)
            store.write_json(partial / reuse.FILES, {"analysis": analyzer.fingerprint,
                                                     "files": files})
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


def _load_cases(cases_dir: Path, report: BuildReport, prev: _Previous, analyzer: Analyzer
                ) -> tuple[reuse.LiveCases, dict]:
    """Parse new and changed files; carry over the entries of files untouched since `prev`."""
    vocab = load_vocabulary()
    known = {}
    if prev.whoosh_dir is not None and prev.terms is not None:
        known = reuse.unchanged_files(prev.files, analyzer.fingerprint)
    cases: dict[str, Case] = {}
    stored: dict[str, dict] = {}
    files: dict[str, list] = {}
    for path in case_files(cases_dir):
        try:
            sig = reuse.signature(path)
        except OSError:  # a dead link or a file removed meanwhile: load_case reports it
            sig = None
        old = known.get(str(path))
        if old and sig and old[:2] == sig and old[2] in prev.catalog and old[2] not in cases \
                and old[2] not in stored and prev.catalog[old[2]]["path"] == str(path):
            stored[old[2]] = prev.catalog[old[2]]
            files[str(path)] = old
            continue
        try:
            case = load_case(path, vocab)
        except CaseFormatError as exc:
            report.problems.extend(exc.problems)
            continue
        if case.slug in cases or case.slug in stored:
            other = cases[case.slug].path if case.slug in cases else stored[case.slug]["path"]
            report.problems.append(Problem(str(path), "id", f"与 {other} 的 id 重复"))
            continue
        cases[case.slug] = case
        if sig:
            files[str(path)] = sig + [case.slug]
    return reuse.LiveCases(cases, stored), files


def _previous(index_dir: Path, embedder, rebuild: bool, keep_vectors: bool = False
              ) -> _Previous:
    """What the serving generation holds; nothing when it is missing or unreadable."""
    try:
        return _read_previous(store.current_path(index_dir), embedder, rebuild, keep_vectors)
    except Exception:  # missing or corrupt (any way): build everything from the case files
        return _Previous({}, None, {})


def _read_previous(path: Path, embedder, rebuild: bool, keep_vectors: bool) -> _Previous:
    empty = _Previous({}, None, {})
    manifest = store.read_json(path / "manifest.json")
    if manifest.get("format") != FORMAT_VERSION:
        return empty
    catalog = store.read_json(path / "catalog.json")
    vectors: dict[str, np.ndarray] = {}
    chunks: dict[str, list[dict]] = {}
    if manifest.get("embedder") == embedder.name and manifest.get("dim") == embedder.dim:
        records = store.read_json(path / "chunks.json")
        matrix = np.load(path / "vectors.npy")
        vectors = dict(zip([c["key"] for c in records], matrix, strict=True))
        for record in records:
            chunks.setdefault(record["slug"], []).append(record)
    if rebuild:  # vectors are keyed by their passage's text: safe to carry over
        return _Previous(catalog, None, vectors if keep_vectors else {})
    whoosh_index.open_dir(str(path / "whoosh")).reader().close()  # linked below: must be whole
    files = store.read_json(path / reuse.FILES) if (path / reuse.FILES).exists() else {}
    concepts = store.read_json(path / CONCEPTS) if (path / CONCEPTS).exists() else {}
    figures = store.read_json(path / FIGURES) if (path / FIGURES).exists() else None
    return _Previous(catalog, path / "whoosh", vectors, terms.read_table(path), chunks, files,
                     concepts, figures)


def _classify(live: reuse.LiveCases, prev: _Previous, report: BuildReport) -> reuse.LiveCases:
    """Sort slugs into added/updated/unchanged/deleted; keep old versions of broken files."""
    cases = list(live)
    present = set(cases)
    broken_paths = {p.path for p in report.problems}
    for slug, old in prev.catalog.items():
        if slug in present:
            continue
        # lexists: a dead link still names the case; only a removed file deletes it.
        if old["path"] in broken_paths and os.path.lexists(old["path"]):
            # A bad edit must not make a published case vanish: keep serving the last good one.
            live.keep(slug, old)
            report.kept_after_error.append(slug)
        else:
            report.deleted.append(slug)
    for slug in cases:
        old = prev.catalog.get(slug)
        if old is None:
            report.added.append(slug)
        elif old["content_hash"] != live.content_hash(slug) or old["path"] != live.path(slug):
            report.updated.append(slug)
        else:
            report.unchanged.append(slug)
    return live


def _write_whoosh(partial: Path, live: reuse.LiveCases, prev: _Previous,
                  report: BuildReport, analyzer: Analyzer) -> None:
    target = partial / "whoosh"
    if prev.whoosh_dir is not None and prev.whoosh_dir.exists():
        store.link_tree(prev.whoosh_dir, target)
        ix = whoosh_index.open_dir(str(target))
        changed = report.added + report.updated
    else:
        target.mkdir()
        ix = whoosh_index.create_in(str(target), case_schema(analyzer))
        changed = list(live)
    with ix.writer(limitmb=256) as writer:
        CaseTokenizer.bind(writer.schema, analyzer)  # the schema read back from disk has none
        for slug in report.deleted:
            writer.delete_by_term("slug", slug)
        for slug in changed:
            writer.update_document(**case_document(live[slug]))
    ix.close()


def _write_terms(partial: Path, live: reuse.LiveCases, prev: _Previous,
                 report: BuildReport, analyzer: Analyzer) -> None:
    """Term arrays for BM25: previous rows of unchanged cases, fresh rows for the rest."""
    changed = set(report.added + report.updated)
    terms.write_table(partial, terms.build_table(live, prev.terms, changed, analyzer))


def _passages(live: reuse.LiveCases, prev: _Previous, changed: set[str]) -> list[tuple]:
    """(record, vector or None, text to embed or None) per passage, in slug order; records and
    vectors of unchanged cases are carried over without chunking the case again."""
    rows = []
    for slug in sorted(live):
        old = prev.chunks.get(slug) if slug not in changed else None
        if old and all(r["key"] in prev.vectors for r in old):
            rows += [(r, prev.vectors[r["key"]], None) for r in old]
            continue
        case = live[slug]
        for ch in case_chunks(case):
            record = {"slug": ch.slug, "section": ch.section, "text": ch.text, "key": ch.key}
            rows.append((record, prev.vectors.get(ch.key), embedding_text(case.title, ch)))
    return rows


def _write_vectors(partial: Path, live: reuse.LiveCases, prev: _Previous, embedder,
                   report: BuildReport, progress: bool) -> None:
    rows = _passages(live, prev, set(report.added + report.updated))
    todo = [i for i, (_, vec, _) in enumerate(rows) if vec is None]
    matrix = np.zeros((len(rows), embedder.dim), dtype=np.float32)
    for i, (_, vec, _) in enumerate(rows):
        if vec is not None:
            matrix[i] = vec
    started = time.perf_counter()
    # Longest first over the whole build, not per call: each call's batches then hold passages
    # of nearly equal length, so almost no padding is computed (in slug order a 60-character
    # summary shared a batch with 280-character sections: ~25% more CPU per passage).
    todo.sort(key=lambda i: -len(rows[i][2]))
    batch = EMBED_CALL
    bar = tqdm(total=len(todo), desc="嵌入", unit="段", disable=not progress or not todo)
    for start in range(0, len(todo), batch):
        part = todo[start:start + batch]
        matrix[part] = embedder.encode_documents([rows[i][2] for i in part])
        bar.update(len(part))
    bar.close()
    report.embed_seconds = time.perf_counter() - started
    report.embedded, report.reused_vectors = len(todo), len(rows) - len(todo)
    np.save(partial / "vectors.npy", matrix)
    store.write_json(partial / "chunks.json", [r for r, _, _ in rows])


def _write_catalog(partial: Path, live: reuse.LiveCases) -> None:
    store.write_json(partial / "catalog.json", {s: live.as_dict(s) for s in live})


def _write_concepts(partial: Path, live: reuse.LiveCases, prev: _Previous,
                    report: BuildReport, analyzer: Analyzer) -> None:
    """Each case's concepts (analysis/concepts.py), the third evidence source of search.

    Unchanged cases keep their tags when the lexicon and analysis are the same as last build.
    """
    fingerprint = analyzer.fingerprint
    old = prev.concepts.get("cases", {}) if prev.concepts.get("analysis") == fingerprint else {}
    changed = set(report.added) | set(report.updated)
    lexicon = analyzer.lexicon
    tagged = {s: old[s] if s in old and s not in changed else case_concepts(live[s], lexicon)
              for s in sorted(live)}
    store.write_json(partial / CONCEPTS, {"analysis": fingerprint, "cases": tagged})


def _write_figures(partial: Path, live: reuse.LiveCases, prev: _Previous,
                   report: BuildReport, analyzer: Analyzer) -> None:
    """Figures read from the text of cases whose front matter states none (a corpus of plain
    passages), so numeric conditions work on it; a whole area's figures are left out.
    Unchanged cases keep what the previous build read."""
    changed = set(report.added) | set(report.updated)
    # Figures read with another analysis (dictionaries, lexicon) are read again.
    old = prev.figures if prev.figures and prev.figures.get("analysis") == analyzer.fingerprint \
        else None
    read = {}
    for slug in sorted(live):
        if old is not None and slug not in changed:
            if slug in old["cases"]:
                read[slug] = old["cases"][slug]
            continue
        case = live[slug]
        if case.figures or case.kind == "overview":
            continue
        text = "\n".join([case.title, case.summary, case.body])
        found = [{"label": f.label, "value": f.value, "unit": f.unit, "metric": f.metric,
                  "year": f.year, "approx": f.approx}
                 for f, own in text_figures(text) if own]
        if found:
            read[slug] = found
    store.write_json(partial / FIGURES, {"analysis": analyzer.fingerprint, "cases": read})


def _write_sql(session: Session, live: reuse.LiveCases, report: BuildReport) -> None:
    """Upsert changed rows and delete removed ones in one transaction."""
    existing = set(session.scalars(select(CaseRecord.slug)))
    replace = set(report.added + report.updated) | (set(live) - existing)
    stale = (existing - set(live)) | (replace & existing)
    if stale:  # figures and traits go with their case (ON DELETE CASCADE)
        session.execute(delete(CaseRecord).where(CaseRecord.slug.in_(stale)))
    for slug in sorted(replace):
        session.add(record_from_case(live[slug]))
    session.commit()


def _manifest(name: str, live: reuse.LiveCases, embedder, report: BuildReport) -> dict:
    return {
        "format": FORMAT_VERSION,
        "generation": name,
        "embedder": embedder.name,
        "dim": embedder.dim,
        "cases": len(live),
        "hashes": {s: live.content_hash(s) for s in live},
        "seconds": round(report.seconds, 3),
    }
