"""Tiny worlds for tests: an index and a database in tmp_path, built with the fake embedder.

Plain helpers that tests import by name; fixtures live in conftest.py. A world is the same
`Services` object the app factory and the commands build; tests that only search or read
never need a Flask app (`make_services`).
"""

from __future__ import annotations

from pathlib import Path

from app import create_app
from db.migrate import upgrade_engine
from services import Services

TESTS = Path(__file__).parent
FIXTURE_CASES = TESTS / "fixtures" / "cases"
SHIPPED_CASES = TESTS.parent / "cases"


def world_config(root: Path, cases_dir: Path, model: str = "fake",
                 models_dir: Path | None = None, **config) -> dict:
    """The configuration of a world in `root` over `cases_dir`, plus any `config` keys."""
    return {
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
    }


def make_services(root: Path, cases_dir: Path, **kwargs) -> Services:
    """Services over `cases_dir` with their first generation built, and no Flask app."""
    services = Services.from_config(world_config(root, cases_dir, **kwargs))
    upgrade_engine(services.engine)
    services.reindex(progress=False)
    return services


def make_world(root: Path, cases_dir: Path, model: str = "fake", models_dir: Path | None = None,
               **config):
    """Create an app over `cases_dir` (plus any `config` keys) and build its first generation."""
    app = create_app(world_config(root, cases_dir, model, models_dir, **config))
    build(app)
    return app


def services_of(app) -> Services:
    """The services the app factory made for `app`."""
    return app.extensions["casebase"]


def build(app, **kwargs):
    kwargs.setdefault("progress", False)
    return services_of(app).reindex(**kwargs)
