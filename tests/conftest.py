"""Fixtures shared by the whole suite: tiny worlds, the shipped library, the real model."""

from __future__ import annotations

from pathlib import Path

import pytest
from worlds import FIXTURE_CASES
from worlds import SHIPPED_CASES
from worlds import TESTS
from worlds import make_services
from worlds import make_world

# Fixtures of the database and browser helpers reach every test through these plugins.
pytest_plugins = ["pg_support"]


@pytest.fixture
def app(tmp_path):
    return make_world(tmp_path, FIXTURE_CASES)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def fixture_services(tmp_path_factory):
    """The fixture cases indexed once, with no Flask app: for tests that only read."""
    services = make_services(tmp_path_factory.mktemp("fixture-services"), FIXTURE_CASES)
    yield services
    services.close()


@pytest.fixture(scope="session")
def shipped_app(tmp_path_factory):
    """The shipped library with the fake embedder: read-only, shared by the whole session."""
    return make_world(tmp_path_factory.mktemp("shipped"), SHIPPED_CASES)


@pytest.fixture(scope="session")
def shipped_client(shipped_app):
    return shipped_app.test_client()


@pytest.fixture(scope="session")
def analyzer():
    """The analyzer of the shipped data files, loaded once for the session."""
    from analysis.analyzer import Analyzer

    return Analyzer().warm_up()


@pytest.fixture(scope="session")
def real_model_dir():
    """The converted default model (`make model`); CI must have it, elsewhere it may be absent."""
    import os

    path = Path(os.environ.get("CASEBASE_MODEL_DIR", TESTS.parent / "instance/models/e5-small"))
    if not (path / "casebase-model.json").exists():
        if os.environ.get("CI"):
            pytest.fail(f"converted model missing at {path}: run `make model`")
        pytest.skip("converted model not prepared (make model)")
    return path


@pytest.fixture(scope="session")
def model_app(tmp_path_factory, real_model_dir):
    """The shipped library indexed with the real default model, shared by the session."""
    return make_world(tmp_path_factory.mktemp("model"), SHIPPED_CASES, model=str(real_model_dir))
