"""Faults: a killed build, a broken or missing index, an unreachable database, an unreadable
case file, a missing model. Each ends in a clear answer (503 + Chinese) and a way back."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pg_support import dispose
from pg_support import make_app
from pg_support import make_world_on
from pg_support import own_cluster
from worlds import FIXTURE_CASES
from worlds import build
from worlds import make_world
from worlds import services_of

from cli import main as cli
from db.models import CaseRecord
from indexer import store
from web import db as web_db

CASEBASE = str(Path(sys.executable).parent / "casebase")
SYNTHETIC = 300  # enough cases that a build is still running when we look for its folder


@pytest.fixture
def world(tmp_path):
    cases = tmp_path / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    return make_world(tmp_path, cases), cases


def env_for(app) -> dict:
    """CASEBASE_* variables that make `casebase` (a new process) use this app's world."""
    keys = ("CASES_DIR", "INDEX_DIR", "DATABASE_URL", "EMBEDDING_MODEL", "MODELS_DIR")
    return {f"CASEBASE_{k}": str(app.config[k]) for k in keys}


def fresh_worker(app):
    """A new worker over the same world (what gunicorn starts after a crash or a deploy)."""
    keys = ("CASES_DIR", "INDEX_DIR", "DATABASE_URL", "EMBEDDING_MODEL", "MODELS_DIR")
    return make_app(Path(app.config["INDEX_DIR"]).parent, Path(app.config["CASES_DIR"]),
                    app.config["DATABASE_URL"], **{k: app.config[k] for k in keys})


def assert_clear_503(client, words: str) -> None:
    """JSON and page both say 503 in Chinese, with `words`, and show no traceback."""
    resp = client.get("/api/v1/search", query_string={"q": "光伏"})
    assert resp.status_code == 503 and words in resp.get_json()["error"]
    page = client.get("/search", query_string={"q": "光伏"})
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and words in html and "Traceback" not in html
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "unavailable"


def run_cli(args: list[str], app) -> subprocess.CompletedProcess:
    return subprocess.run([CASEBASE, *args], env={**os.environ, **env_for(app)},
                          capture_output=True, text=True, timeout=300)


def add_synthetic_cases(cases: Path, n: int) -> None:
    template = (FIXTURE_CASES / "hetian-land-park.md").read_text(encoding="utf-8")
    for i in range(n):
        slug = f"synthetic-{i:04d}"
        (cases / f"{slug}.md").write_text(
            template.replace("id: hetian-land-park", f"id: {slug}") + f"\n第 {i} 个合成案例。\n",
            encoding="utf-8")


def test_build_killed_mid_way_leaves_old_index_and_next_build_recovers(world):
    app, cases = world
    index = Path(app.config["INDEX_DIR"])
    old = store.current_name(index)
    add_synthetic_cases(cases, SYNTHETIC)
    proc = subprocess.Popen([CASEBASE, "index"], env={**os.environ, **env_for(app)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(store.generations_dir(index).glob("*.partial")):
        assert proc.poll() is None, "the build ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert store.current_name(index) == old  # never published
    assert list(store.generations_dir(index).glob("*.partial"))  # the debris is there

    worker = fresh_worker(app).test_client()
    body = worker.get("/api/v1/search", query_string={"q": "光伏"}).get_json()
    assert body["generation"] == old and worker.get("/healthz").status_code == 200
    assert worker.get("/api/v1/cases/synthetic-0001").status_code == 404

    report = build(app)  # the lock died with the process; the debris is cleared
    assert len(report.added) == SYNTHETIC
    assert not list(store.generations_dir(index).glob("*.partial"))
    assert app.test_client().get("/api/v1/cases/synthetic-0001").status_code == 200


def _garbage_current(gen: Path) -> None:
    (gen.parent.parent / "CURRENT").write_text("g-no-such-generation\n", encoding="ascii")


def _truncate_vectors(gen: Path) -> None:
    data = (gen / "vectors.npy").read_bytes()
    (gen / "vectors.npy").write_bytes(data[: len(data) // 2])


def _delete_segment(gen: Path) -> None:
    for seg in (gen / "whoosh").glob("*.seg"):
        seg.unlink()


def _garble_chunks(gen: Path) -> None:
    (gen / "chunks.json").write_text('[{"slug": ', encoding="utf-8")


def _empty_manifest(gen: Path) -> None:
    (gen / "manifest.json").write_text("{}", encoding="utf-8")


@pytest.mark.parametrize("corrupt", [_garbage_current, _truncate_vectors, _delete_segment,
                                     _garble_chunks, _empty_manifest])
def test_corrupt_index_is_a_clear_503_and_rebuild_recovers(world, corrupt, monkeypatch):
    app, _ = world
    corrupt(store.current_path(Path(app.config["INDEX_DIR"])))
    worker = fresh_worker(app).test_client()
    assert_clear_503(worker, "案例索引损坏")
    assert "casebase index --rebuild" in worker.get("/api/v1/facets").get_json()["error"]

    for key, value in env_for(app).items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(cli, ["index", "--rebuild"])
    assert result.exit_code == 0, result.output
    worker = fresh_worker(app).test_client()
    assert worker.get("/api/v1/search", query_string={"q": "光伏"}).status_code == 200
    assert worker.get("/healthz").get_json()["cases"] == 7


def test_running_worker_keeps_serving_when_current_goes_bad(world):
    app, _ = world
    client = app.test_client()
    served = client.get("/healthz").get_json()["generation"]
    _garbage_current(store.current_path(Path(app.config["INDEX_DIR"])))
    services_of(app).search._checked = 0.0  # re-read CURRENT now, not in a second
    resp = client.get("/api/v1/search", query_string={"q": "光伏"})
    assert resp.status_code == 200 and resp.get_json()["generation"] == served


def test_missing_index_directory_is_a_clear_503_until_indexed(world):
    app, _ = world
    shutil.rmtree(app.config["INDEX_DIR"])
    worker = fresh_worker(app)
    client = worker.test_client()
    assert_clear_503(client, "案例索引尚未建立")
    assert "casebase index" in client.get("/healthz").get_json()["message"]
    done = run_cli(["index"], app)
    assert done.returncode == 0, done.stderr
    assert client.get("/api/v1/search", query_string={"q": "光伏"}).status_code == 200


# Recommendations filter their candidates in SQL: the part of the site that needs the database.
PROFILE = {"resources": "红色资源", "goals": "发展集体经济"}


def _check_db_down(client) -> None:
    resp = client.get("/api/v1/recommend", query_string=PROFILE)
    assert resp.status_code == 503 and "数据库" in resp.get_json()["error"]
    page = client.get("/recommend/results", query_string=PROFILE)
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and "数据库暂时无法连接" in html and "Traceback" not in html
    health = client.get("/healthz").get_json()
    assert health["database"] is False and health["status"] == "unavailable"
    # Search and case pages run from the index's catalog; only the query log needs the database.
    assert client.get("/api/v1/search", query_string={"q": "光伏"}).status_code == 200
    assert client.get("/api/v1/cases/changshui-company").status_code == 200
    assert client.get("/cases/changshui-company").status_code == 200


@pytest.mark.postgres
def test_postgres_going_away_is_503_and_recovers(tmp_path, monkeypatch):
    monkeypatch.setattr(web_db, "RETRY_SECONDS", 0.0)
    cases = tmp_path / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    with own_cluster() as (cluster, url):
        app = make_world_on(tmp_path, cases, url)
        client = app.test_client()
        assert client.get("/api/v1/cases/changshui-company").status_code == 200
        cluster.stop()
        _check_db_down(client)
        late = fresh_worker(app)  # a worker starting while the database is down still starts
        _check_db_down(late.test_client())
        assert cluster.start() == url
        for c in (client, late.test_client()):
            assert c.get("/api/v1/recommend", query_string=PROFILE).status_code == 200
            assert c.get("/healthz").status_code == 200
        dispose(app)
        dispose(late)


def test_sqlite_file_unreachable_is_503_and_recovers(tmp_path, monkeypatch):
    monkeypatch.setattr(web_db, "RETRY_SECONDS", 0.0)
    cases = tmp_path / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    url = f"sqlite:///{tmp_path / 'gone' / 'casebase.sqlite'}"  # its folder does not exist
    app = make_app(tmp_path, cases, url)
    client = app.test_client()
    assert client.get("/healthz").get_json()["database"] is False
    assert client.get("/api/v1/recommend", query_string=PROFILE).status_code == 503
    (tmp_path / "gone").mkdir()
    # The next request migrates the new, empty database (the index is still to be built).
    assert client.get("/healthz").get_json()["database"] is True
    build(app)
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/recommend", query_string=PROFILE).get_json()["hits"]
    assert client.get("/api/v1/cases/changshui-company").status_code == 200


def _broken_link(path: Path) -> None:
    path.unlink()
    path.symlink_to(path.with_name("no-such-target.md"))


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _not_utf8(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))


def _nul_bytes(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace("茶叶".encode(), b"\x00\x00", 1))


@pytest.mark.parametrize("spoil", [_broken_link, _fifo, _not_utf8, _nul_bytes])
def test_unreadable_case_file_is_reported_and_its_last_version_kept(world, spoil):
    app, cases = world
    spoil(cases / "huazhu-tea.md")
    reports = []
    thread = threading.Thread(target=lambda: reports.append(build(app)), daemon=True)
    thread.start()
    thread.join(timeout=120)
    assert reports, "the build hung on the unreadable file"
    report = reports[0]
    assert [p.field for p in report.problems] == ["file"]
    assert report.problems[0].path.endswith("huazhu-tea.md")
    assert report.kept_after_error == ["huazhu-tea"] and len(report.unchanged) == 6
    assert app.test_client().get("/api/v1/cases/huazhu-tea").status_code == 200
    with services_of(app).sessionmaker() as s:
        assert s.get(CaseRecord, "huazhu-tea") is not None
    check = CliRunner().invoke(cli, ["check", str(cases)])
    assert check.exit_code == 1 and "huazhu-tea.md: [file]" in check.output


def test_model_folder_missing_is_a_clear_error_at_start(world):
    app, _ = world
    missing = Path(app.config["MODELS_DIR"]) / "no-such-model"
    with pytest.raises(ValueError, match="找不到嵌入模型目录"):
        make_app(Path(app.config["INDEX_DIR"]).parent, Path(app.config["CASES_DIR"]),
                 app.config["DATABASE_URL"], EMBEDDING_MODEL=str(missing))
    done = subprocess.run(
        [CASEBASE, "search", "光伏"], capture_output=True, text=True, timeout=300,
        env={**os.environ, **env_for(app), "CASEBASE_EMBEDDING_MODEL": str(missing)})
    assert done.returncode != 0 and "找不到嵌入模型目录" in done.stderr


@pytest.mark.model
def test_default_model_folder_missing_is_rebuilt(tmp_path):
    models = tmp_path / "models"
    assert not models.exists()
    app = make_app(tmp_path, FIXTURE_CASES, f"sqlite:///{tmp_path / 'db.sqlite'}",
                   EMBEDDING_MODEL="default", MODELS_DIR=str(models))
    embedder = services_of(app).search.embedder
    assert (models / "e5-small").is_dir() and embedder.encode_query("光伏").shape[-1] == 384
