"""Tiny worlds for tests: an index and a database in tmp_path, built with the fake embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from indexer.build import build_index

TESTS = Path(__file__).parent
FIXTURE_CASES = TESTS / "fixtures" / "cases"
SHIPPED_CASES = TESTS.parent / "cases"


def make_world(root: Path, cases_dir: Path, model: str = "fake", models_dir: Path | None = None):
    """Create an app over `cases_dir` and build its first index generation."""
    app = create_app({
        "TESTING": True,
        "CASES_DIR": str(cases_dir),
        "INDEX_DIR": str(root / "index"),
        "DATABASE_URL": f"sqlite:///{root / 'test.sqlite'}",
        "EMBEDDING_MODEL": model,
        "MODELS_DIR": str(models_dir or root / "models"),
        "SECRET_KEY": "test",
        "INDEX_CHECK_INTERVAL": 0,  # see a new generation at once, not after a second
    })
    build(app)
    return app


def build(app, **kwargs):
    with app.extensions["casebase_sessionmaker"]() as session:
        return build_index(Path(app.config["CASES_DIR"]), Path(app.config["INDEX_DIR"]), session,
                           app.extensions["casesearch"].embedder, **kwargs)


@pytest.fixture
def app(tmp_path):
    return make_world(tmp_path, FIXTURE_CASES)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def shipped_app(tmp_path_factory):
    """The shipped library with the fake embedder: read-only, shared by the whole session."""
    return make_world(tmp_path_factory.mktemp("shipped"), SHIPPED_CASES)


@pytest.fixture(scope="session")
def shipped_client(shipped_app):
    return shipped_app.test_client()


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
