"""Imports point down only: web/cli -> handouts/recommend/evaluation -> search -> indexer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# What each package may import from the project (besides itself); anything else is a violation.
ALLOWED = {
    "indexer": {"migrations"},
    "search": {"indexer"},
    "recommend": {"indexer", "search"},
    "handouts": {"indexer"},
    "evaluation": {"indexer", "search", "recommend"},
    "importer": {"indexer"},
    "editorial": {"indexer", "search"},
}
PROJECT = {"indexer", "search", "recommend", "handouts", "evaluation", "importer", "editorial",
           "web", "cli", "app", "migrations", "flask", "flask_limiter", "werkzeug", "flask_login",
           "flask_wtf"}


def imported_tops(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & PROJECT


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_library_packages_import_only_downwards(package):
    bad = {}
    for path in sorted((REPO / package).rglob("*.py")):
        wrong = imported_tops(path) - ALLOWED[package] - {package}
        if wrong:
            bad[str(path.relative_to(REPO))] = sorted(wrong)
    assert not bad


def test_blueprints_do_not_import_each_other():
    shared = {"pages", "db", "services", "errors", "querylog", "openapi", "security"}
    blueprints = {"core", "recommend", "trainer", "widget", "api_v1", "health", "admin"}
    for name in blueprints:
        package = REPO / "web" / name  # a blueprint with helpers is a package (web/admin/)
        files = sorted(package.glob("*.py")) if package.is_dir() else [package.with_suffix(".py")]
        for path in files:
            tree = ast.parse(path.read_text("utf-8"))
            used = {n.module.split(".")[1] for n in ast.walk(tree)
                    if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("web.")}
            used |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                     and n.module == "web" for a in n.names}
            own = {m for m in used if m.startswith(f"{name}_") or m == name}
            assert used - own <= shared, (path.name, used - own - shared)


def test_search_holds_only_the_query_path():
    modules = {p.stem for p in (REPO / "search").glob("*.py")} - {"__init__"}
    assert not {m for m in modules if m.startswith(("eval", "bench", "loadtest", "recommend",
                                                    "profile", "procs"))}
    assert not [m for m in modules if m.endswith("_cli") or m == "cases"]
