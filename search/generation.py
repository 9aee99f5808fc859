"""A loaded index generation, and the service that keeps the newest one open."""

from __future__ import annotations

import gc
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.index import IndexError as WhooshIndexError

from analysis.analyzer import Analyzer
from analysis.concepts import case_concepts
from casefile.case import Case
from casefile.case import case_from_dict
from indexer import store
from indexer import terms
from search.bm25 import Bm25Arrays
from search.bm25 import KeywordIndex
from search.bm25 import PhraseChecker
from search.concepts import concept_idf
from search.concepts import concept_postings
from search.concepts import place_pattern
from search.facet_table import FacetTable
from search.numeric import Fact
from search.numeric import case_facts

log = logging.getLogger(__name__)
QUERY_CACHE_SIZE = 512  # query vectors kept per process: a repeated query skips the model


@dataclass
class Generation:
    name: str
    path: Path
    ix: object  # whoosh.index.Index
    catalog: dict[str, Case]
    slugs: list[str]  # case order of the vector matrix's chunk runs
    case_starts: np.ndarray  # first chunk row of each case in `slugs`
    chunk_sections: list[str]
    chunk_texts: list[str]
    vectors: np.ndarray  # (n_chunks, dim) float32, L2-normalised
    embedder: str
    dim: int
    keyword: KeywordIndex  # term arrays and phrase checker, open for the generation's life
    concepts: dict[str, dict[str, int]] = field(default_factory=dict)  # slug -> concept -> strength
    analyzer: Analyzer | None = None  # reads queries as the build read the cases
    facets: FacetTable | None = None  # every case's facet values as codes, for counting
    read_figures: dict[str, list[dict]] = field(default_factory=dict)  # figures read at index time
    # Derived tables, computed once when the generation loads (derive()).
    concept_idf: dict[str, float] = field(default_factory=dict)  # concept -> idf over the cases
    # concept -> slug -> strength
    concept_postings: dict[str, dict[str, int]] = field(default_factory=dict)
    case_order: dict[str, int] = field(default_factory=dict)  # slug -> position in `concepts`
    place_re: re.Pattern | None = None  # a place name of the library or a province
    facts: dict[str, list[Fact]] = field(default_factory=dict)  # slug -> its own figures by metric

    def case(self, slug: str) -> Case | None:
        return self.catalog.get(slug)

    def derive(self) -> Generation:
        """Compute the tables search reads on every query from what the generation stores."""
        self.concept_idf = concept_idf(self.concepts)
        self.concept_postings, self.case_order = concept_postings(self.concepts)
        self.place_re = place_pattern(self.catalog)
        self.facts = {slug: case_facts(case, self.read_figures.get(slug))
                      for slug, case in self.catalog.items()}
        self.facts = {slug: held for slug, held in self.facts.items() if held}
        return self


def load_generation(path: Path, analyzer: Analyzer) -> Generation:
    """Open every store of one generation; raise IndexCorruptError when any part is unreadable."""
    try:
        gen = _open_generation(path, analyzer)
        gen.ix.reader().close()  # open_dir reads only the TOC: touch the segment files too
    except store.IndexCorruptError:
        raise
    except Exception as exc:  # any failure to read these files means they are corrupt
        raise store.IndexCorruptError(f"cannot read index generation {path.name}: {exc}") from exc
    return gen


def _open_generation(path: Path, analyzer: Analyzer) -> Generation:
    try:
        manifest = store.read_json(path / "manifest.json")
        catalog = {s: case_from_dict(d) for s, d in store.read_json(path / "catalog.json").items()}
        chunks = store.read_json(path / "chunks.json")
        vectors = np.load(path / "vectors.npy", mmap_mode="r")
        ix = whoosh_index.open_dir(str(path / "whoosh"))
        table = terms.read_table(path)
        concepts = _read_concepts(path, catalog, analyzer)
        figures = store.read_json(path / "figures.json")["cases"] if (
            path / "figures.json").exists() else {}
    except (OSError, ValueError, KeyError, TypeError, WhooshIndexError) as exc:
        raise store.IndexCorruptError(f"cannot read index generation {path.name}: {exc}") from exc
    if set(table.slugs) != set(catalog):
        raise store.IndexCorruptError(f"{path.name}: term arrays and catalog disagree")
    if len(chunks) != vectors.shape[0]:
        raise store.IndexCorruptError(f"{path.name}: chunk list and vectors disagree")
    slugs, starts = [], []
    for row, chunk in enumerate(chunks):
        if not slugs or slugs[-1] != chunk["slug"]:
            slugs.append(chunk["slug"])
            starts.append(row)
    return Generation(
        name=manifest["generation"], path=path, ix=ix, catalog=catalog, slugs=slugs,
        case_starts=np.asarray(starts, dtype=np.int64),
        chunk_sections=[c["section"] for c in chunks], chunk_texts=[c["text"] for c in chunks],
        vectors=np.ascontiguousarray(vectors, dtype=np.float32), embedder=manifest["embedder"],
        dim=int(manifest["dim"]), keyword=KeywordIndex(Bm25Arrays(table), PhraseChecker(ix)),
        concepts=concepts, analyzer=analyzer, read_figures=figures,
        facets=FacetTable(catalog),
    ).derive()


def _read_concepts(path: Path, catalog: dict[str, Case], analyzer: Analyzer
                   ) -> dict[str, dict[str, int]]:
    """The generation's case concepts; a generation built before them is tagged on load."""
    if (path / "concepts.json").exists():
        return store.read_json(path / "concepts.json")["cases"]
    return {slug: case_concepts(case, analyzer.lexicon) for slug, case in catalog.items()}


def freeze_heap() -> None:
    """Move everything alive now (the loaded generation: catalog, chunk texts, postings) out
    of the cyclic collector's reach. Otherwise each full collection walks these ~190,000
    objects (10,000 cases: 157 ms of CPU) in the middle of some request. Unfreezing first
    hands the previous generation back to the collector once it is dropped; no collection
    here, so the switch itself adds no pause."""
    gc.unfreeze()
    gc.freeze()


class SearchService:
    """Holds the serving generation and the embedder; picks up a new generation after a build.

    Every worker process has one. CURRENT is checked at most every `check_interval` seconds,
    so a rebuild switches all workers within a second without a failed request: the old
    generation stays open until the new one has loaded completely.
    """

    def __init__(self, index_dir: Path, embedder, analyzer: Analyzer,
                 check_interval: float = 1.0, query_cache_size: int = QUERY_CACHE_SIZE):
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.analyzer = analyzer
        self.check_interval = check_interval
        self.query_cache_size = query_cache_size
        self._gen: Generation | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._vectors_lock = threading.Lock()

    def query_vector(self, text: str) -> np.ndarray:
        """The embedder's query vector, from a small LRU when the same text was asked lately."""
        with self._vectors_lock:
            vec = self._vectors.get(text)
            if vec is not None:
                self._vectors.move_to_end(text)
                return vec
        vec = self.embedder.encode_query(text)
        vec.setflags(write=False)  # shared between requests
        with self._vectors_lock:
            self._vectors[text] = vec
            while len(self._vectors) > self.query_cache_size:
                self._vectors.popitem(last=False)
        return vec

    def generation(self) -> Generation:
        """The newest complete generation.

        :raise store.IndexMissingError: before the first build.
        :raise store.IndexCorruptError: when nothing readable is left to serve.
        """
        now = time.monotonic()
        if self._gen is not None and now - self._checked < self.check_interval:
            return self._gen
        with self._lock:
            self._checked = now
            name = store.current_name(self.index_dir)
            if self._gen is not None and name == self._gen.name:
                return self._gen
            try:
                self._gen = load_generation(store.current_path(self.index_dir),
                                            self.current_analyzer())
            except (store.IndexMissingError, store.IndexCorruptError):
                if self._gen is None:
                    raise
                log.exception("new index generation %s unreadable; still serving %s",
                              name, self._gen.name)
            else:
                freeze_heap()
            return self._gen

    def current_analyzer(self) -> Analyzer:
        """The analyzer for the next generation: a new one once an editor's data file changed
        (the switch to a new generation is where an edit takes effect, in every worker)."""
        if not self.analyzer.is_current():
            self.analyzer = Analyzer(self.analyzer.data_dir).warm_up()
        return self.analyzer

    @property
    def vectors_usable(self) -> bool:
        gen = self.generation()
        return gen.embedder == self.embedder.name and gen.dim == self.embedder.dim
