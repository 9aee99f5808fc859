"""The search service of this worker: one embedder and one open index generation."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask import current_app

from analysis.segment import warm_up
from embedding.embed import load_embedder
from search.generation import SearchService


def get_service() -> SearchService:
    return current_app.extensions["casesearch"]


def init_app(app: Flask) -> None:
    """Load the model and the dictionary once per worker, at start-up, not on a request."""
    embedder = load_embedder(app.config["EMBEDDING_MODEL"], Path(app.config["MODELS_DIR"]),
                             app.config.get("EMBEDDING_BACKEND", "auto"))
    warm_up()
    app.extensions["casesearch"] = SearchService(
        Path(app.config["INDEX_DIR"]), embedder, app.config.get("INDEX_CHECK_INTERVAL", 1.0))
