"""This worker's services (see the top-level `services` module), kept by the app."""

from __future__ import annotations

from flask import Flask
from flask import current_app

from search.generation import SearchService
from services import Services


def get_services() -> Services:
    return current_app.extensions["casebase"]


def get_service() -> SearchService:
    """The search service of this worker."""
    return get_services().search


def init_app(app: Flask) -> None:
    """Load the model and the dictionary once per worker, at start-up, not on a request."""
    services = Services(app.config)
    services.search  # noqa: B018 (loads the embedder and the analyzer now)
    app.extensions["casebase"] = services
