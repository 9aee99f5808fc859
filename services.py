"""The services of one process, built from the configuration, with or without Flask.

`Services.from_config(settings.resolve())` gives the database engine and sessionmaker, the
analyzer, the search service (embedder plus the serving generation), the job runner and
`reindex()`: the one place where a build is wired to its folders, embedder and analyzer. The app
factory keeps one in `app.extensions["casebase"]`; commands and tests build their own and never
need an app. Parts load on first use, so `casebase user add` never loads the embedding model.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from sqlalchemy.orm import Session

import settings
from analysis.analyzer import Analyzer
from db.models import make_engine
from db.models import make_sessionmaker
from editorial.jobs import Runner
from embedding.embed import load_embedder
from indexer.build import BuildReport
from indexer.build import build_index
from search.generation import SearchService


class Services:
    """Everything a request, a command or a test needs, from one configuration mapping."""

    def __init__(self, config: Mapping):
        self.config = dict(config)

    @classmethod
    def from_config(cls, overrides: Mapping | None = None) -> Services:
        """Services over the resolved configuration (`overrides` replace file and environment)."""
        return cls(settings.resolve(overrides))

    @property
    def cases_dir(self) -> Path:
        return Path(self.config["CASES_DIR"])

    @property
    def index_dir(self) -> Path:
        return Path(self.config["INDEX_DIR"])

    @property
    def data_dir(self) -> Path | None:
        """The editor's copies of the analyzer's data files (None: only the shipped ones)."""
        folder = self.config.get("EDITABLE_DATA_DIR")
        return Path(folder) if folder else None

    @cached_property
    def engine(self):
        return make_engine(self.config["DATABASE_URL"])

    @cached_property
    def sessionmaker(self):
        return make_sessionmaker(self.engine)

    @cached_property
    def embedder(self):
        return load_embedder(self.config["EMBEDDING_MODEL"], Path(self.config["MODELS_DIR"]),
                             self.config["EMBEDDING_BACKEND"])

    @cached_property
    def search(self) -> SearchService:
        """The search service; it owns the analyzer that reads queries for its generation."""
        return SearchService(self.index_dir, self.embedder, Analyzer(self.data_dir).warm_up(),
                             self.config["INDEX_CHECK_INTERVAL"])

    @property
    def analyzer(self) -> Analyzer:
        """The analyzer as the data files stand now (a new one after an editor's edit)."""
        return self.search.current_analyzer()

    @cached_property
    def jobs(self) -> Runner:
        """Background reindex jobs; `jobs.recover()` runs again what a stopped process left."""
        # A job's rebuild follows a dictionary edit: every case is analysed again, but no
        # passage's text changed, so its embedding is reused.
        return Runner(self.sessionmaker, lambda session, rebuild: self.reindex(
            session, rebuild=rebuild, keep_vectors=True, progress=False),
            heartbeat_seconds=float(self.config["JOB_HEARTBEAT_SECONDS"]),
            stale_seconds=float(self.config["JOB_STALE_SECONDS"]),
            max_attempts=int(self.config["JOB_MAX_ATTEMPTS"]))

    def reindex(self, session: Session | None = None, *, rebuild: bool = False,
                cases_dir: Path | None = None, progress: bool | None = None,
                keep_vectors: bool = False) -> BuildReport:
        """Build a new generation of the index from the case folder and switch to it.

        :raise indexer.store.BuildLockedError: another build is running.
        """
        if progress is None:
            progress = sys.stderr.isatty()
        if session is None:
            with self.sessionmaker() as own:
                return self.reindex(own, rebuild=rebuild, cases_dir=cases_dir, progress=progress,
                                    keep_vectors=keep_vectors)
        return build_index(Path(cases_dir or self.cases_dir), self.index_dir, session,
                           self.embedder, analyzer=self.analyzer, rebuild=rebuild,
                           progress=progress, keep_vectors=keep_vectors)

    def close(self) -> None:
        """Release the database connections (tests and commands that end)."""
        if "engine" in self.__dict__:
            self.engine.dispose()
