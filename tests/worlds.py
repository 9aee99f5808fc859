"""Tiny worlds for tests: an index and a database in tmp_path, built with the fake embedder.

Plain helpers that tests import by name; fixtures live in conftest.py.
"""

from __future__ import annotations

from pathlib import Path

from app import create_app
from indexer.build import build_index

TESTS = Path(__file__).parent
FIXTURE_CASES = TESTS / "fixtures" / "cases"
SHIPPED_CASES = TESTS.parent / "cases"


def make_world(root: Path, cases_dir: Path, model: str = "fake", models_dir: Path | None = None,
               **config):
    """Create an app over `cases_dir` (plus any `config` keys) and build its first generation."""
    app = create_app({
        "TESTING": True,
        "CASES_DIR": str(cases_dir),
        "INDEX_DIR": str(root / "index"),
        "DATABASE_URL": f"sqlite:///{root / 'test.sqlite'}",
        "EMBEDDING_MODEL": model,
        "MODELS_DIR": str(models_dir or root / "models"),
        "SECRET_KEY": "test",
        "INDEX_CHECK_INTERVAL": 0,  # see a new generation at once, not after a second
        "EDITABLE_DATA_DIR": None,  # the shipped dictionary, whatever instance/data holds
        **config,
    })
    build(app)
    return app


def build(app, **kwargs):
    with app.extensions["casebase_sessionmaker"]() as session:
        return build_index(Path(app.config["CASES_DIR"]), Path(app.config["INDEX_DIR"]), session,
                           app.extensions["casesearch"].embedder, **kwargs)
