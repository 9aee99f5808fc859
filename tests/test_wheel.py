"""The wheel a county IT department installs works outside the checkout.

Builds the wheel, installs it into a scratch folder, and from another working directory
checks the shipped cases, indexes them and searches through the app: templates, static
files, migrations and the analyzer's data must all come from the installed copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(site folder, wheel path): the project's wheel unpacked by pip into a scratch target."""
    root = tmp_path_factory.mktemp("wheel")
    # Build from a copy of the tracked files: setuptools leaves build/ behind, and a stale
    # build/lib in the checkout would smuggle deleted modules into later wheels.
    source = root / "source"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True,
                             capture_output=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", str(source), "--no-deps", "--no-build-isolation",
                    "-w", str(root / "dist")], check=True, cwd=root)
    wheel = next((root / "dist").glob("casebase-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(root / "site"), str(wheel)],
                   check=True, cwd=root)
    return root / "site", wheel


def run(site: Path, work: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site), "CASEBASE_INSTANCE_PATH": str(work / "inst"),
           "CASEBASE_EMBEDDING_MODEL": "fake"}
    env = {k: v for k, v in env.items() if not k.startswith("CASESEARCH_")}
    return subprocess.run([sys.executable, *args], cwd=work, env=env, capture_output=True,
                          text=True, timeout=300)


def test_wheel_holds_templates_static_files_and_migrations(installed):
    names = set(zipfile.ZipFile(installed[1]).namelist())
    for needed in ("templates/search.html", "templates/case.html", "static/widget.js",
                   "static/style.css", "migrations/alembic.ini", "migrations/env.py",
                   "migrations/versions/0001_initial.py", "analysis/data/userdict.txt",
                   "analysis/data/synonyms.txt", "analysis/data/vocabulary.yaml", "app.py",
                   "templates/admin/draft.html", "static/admin.css", "editorial/models.py",
                   "migrations/versions/0002_editor_area.py"):
        assert needed in names, needed
    assert not any(n.startswith("tests/") or n.startswith("cases/") for n in names)


def test_installed_wheel_checks_indexes_and_searches(installed, tmp_path):
    site, _ = installed
    cases = REPO / "cases"
    checked = run(site, tmp_path, "-m", "cli", "check", str(cases))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "13 个合格" in checked.stdout
    indexed = run(site, tmp_path, "-m", "cli", "index", "--cases", str(cases))
    assert indexed.returncode == 0, indexed.stdout + indexed.stderr
    probe = """
import json, app, flask, indexer, cli, migrations
from app import create_app
a = create_app()
c = a.test_client()
page = c.get("/search?q=光伏")
api = c.get("/api/v1/search?q=光伏").get_json()
widget = c.get("/widget.js")
print(json.dumps({"modules": [m.__file__ for m in (app, indexer, cli, migrations)],
                  "templates": a.jinja_loader.searchpath, "status": page.status_code,
                  "page_has_case": "韶阳村" in page.get_data(as_text=True),
                  "first": api["hits"][0]["id"], "widget": widget.status_code}))
"""
    out = run(site, tmp_path, "-c", probe)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert all(str(site) in path for path in found["modules"]), found["modules"]
    assert all(str(site) in path for path in found["templates"])
    assert found["status"] == 200 and found["page_has_case"] and found["widget"] == 200
    assert found["first"] == "shaoyang-mineral-water-solar"
    assert (tmp_path / "inst" / "casebase.sqlite").is_file()  # migrations ran from the wheel
