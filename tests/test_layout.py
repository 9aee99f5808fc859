"""Imports point down only, for every package, and no module takes part in an import circle.

Each top-level package has a floor; a module may import project packages on lower floors only
(or its own package). Library packages, everything below the web and the CLI, never import
Flask. `README.md`'s 代码结构 draws the same floors.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FLOORS = {
    # data and text: no project imports
    "settings": 0, "analysis": 0, "embedding": 0,
    "casefile": 1,  # the case model, parsing, provenance (uses the analyzer)
    "db": 2,  # SQL models and migration runner
    "indexer": 3,  # builds generations
    "search": 4,  # the query path over a generation
    # features
    "recommend": 5, "handouts": 5, "importer": 5, "editorial": 5,
    "evaluation": 6,  # measures search and recommendations
    "migrations": 6,  # Alembic scripts: the tables of db/ and editorial/
    "services": 7,  # wires a configuration into engine, analyzer, search, jobs
    "web": 8,
    "app": 9,  # the Flask app factory over web/
    "cli": 10,  # `casebase serve` starts the app
    "scripts": 11,  # tools over the whole product (the CLI included)
}
FLASK = {"flask", "flask_limiter", "flask_login", "flask_wtf", "flask_compress", "werkzeug"}
WEB_FLOOR = FLOORS["web"]


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every Python file of the project (tests excluded)."""
    out = {}
    for top in FLOORS:
        single = REPO / f"{top}.py"
        if single.is_file():
            out[top] = single
        for path in sorted((REPO / top).rglob("*.py")) if (REPO / top).is_dir() else []:
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports(path: Path, name: str) -> set[str]:
    """Dotted names a module imports, wherever in the module the import stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            names = {f"{base}.{a.name}" for a in node.names}
            # `from cli import app_loader` imports the module, not what cli/__init__ defines.
            found |= names if names & KNOWN else {base}
    return found


MODULES = modules()
KNOWN = set(MODULES)


@pytest.mark.parametrize("top", sorted(FLOORS))
def test_packages_import_only_from_lower_floors(top):
    bad = {}
    for name, path in MODULES.items():
        if name.split(".")[0] != top:
            continue
        tops = {i.split(".")[0] for i in imports(path, name)}
        wrong = {t for t in tops if t in FLOORS and t != top and FLOORS[t] >= FLOORS[top]}
        if FLOORS[top] < WEB_FLOOR:
            wrong |= tops & FLASK
        if wrong:
            bad[str(path.relative_to(REPO))] = sorted(wrong)
    assert not bad


def test_no_import_circles():
    graph = {name: {m for m in imports(path, name) if m in MODULES and m != name}
             for name, path in MODULES.items()}
    # A package's __init__ is imported with each of its modules; only real module edges count.
    circles = [c for c in _strongly_connected(graph) if len(c) > 1]
    assert not circles


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative enough for a few hundred modules."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_package_has_a_floor():
    packages = {p.name for p in REPO.iterdir() if (p / "__init__.py").is_file()}
    assert packages - {"tests"} <= set(FLOORS), packages - set(FLOORS)


def test_blueprints_do_not_import_each_other():
    blueprints = {"core", "recommend", "trainer", "widget", "api_v1", "health", "admin"}
    for name in blueprints:
        path = REPO / "web" / f"{name}.py"
        if not path.is_file():
            path = REPO / "web" / name / "__init__.py"
        used = {m.split(".")[1] for m in imports(path, f"web.{name}")
                if m.startswith("web.") and m.count(".") >= 1}
        assert not (used & blueprints) - {name}, (name, used & blueprints)
