"""gunicorn with two workers: a reindex while serving switches both without a failed request."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from pg_support import dispose
from pg_support import make_world_on
from worlds import FIXTURE_CASES
from worlds import services_of

from evaluation.loadtest import fetch
from evaluation.loadtest import gunicorn_server
from evaluation.loadtest import run_load
from evaluation.loadtest import worker_pids
from indexer import store

CASEBASE = str(Path(sys.executable).parent / "casebase")
NEW_CASE = "xinjian-solar"


def app_env(root: Path, cases: Path, database_url: str) -> dict:
    """The configuration gunicorn workers and the CLI read (CASEBASE_* variables)."""
    return {"CASEBASE_CASES_DIR": str(cases), "CASEBASE_INDEX_DIR": str(root / "index"),
            "CASEBASE_DATABASE_URL": database_url, "CASEBASE_EMBEDDING_MODEL": "fake",
            "CASEBASE_MODELS_DIR": str(root / "models"), "CASEBASE_SECRET_KEY": "test",
            "CASEBASE_WORKERS": "2", "CASEBASE_THREADS": "2"}


class Traffic:
    """Threads requesting pages and APIs until stopped; every answer is recorded."""

    PATHS = ("/api/v1/search?q=%E5%85%89%E4%BC%8F", "/cases/changshui-company", "/healthz",
             "/search?q=%E6%B5%81%E8%BD%AC", "/api/v1/cases/hetian-land-park")

    def __init__(self, base: str, threads: int = 4):
        self.base, self.stop = base, threading.Event()
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self.generations: dict[int, str] = {}  # worker pid -> generation it last reported
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.loop, args=(i,)) for i in range(threads)]

    def loop(self, offset: int) -> None:
        i = offset
        while not self.stop.is_set():
            path = self.PATHS[i % len(self.PATHS)]
            i += 1
            try:
                status, body = fetch(self.base + path, timeout=30)
            except OSError as exc:
                status, body = 0, str(exc).encode()
            with self.lock:
                self.statuses[status] += 1
                if status != 200:
                    self.failures.append(f"{path}: {status} {body[:200]!r}")
                elif path == "/healthz":
                    data = json.loads(body)
                    self.generations[data["worker"]] = data["generation"]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_reindex_while_serving_switches_every_worker(tmp_path, db_url):  # noqa: F811
    cases = tmp_path / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    first = make_world_on(tmp_path, cases, db_url)
    old_gen = services_of(first).search.generation().name
    dispose(first)
    env = app_env(tmp_path, cases, db_url)
    with gunicorn_server(env, workers=2, log_path=tmp_path / "gunicorn.log") as (base, proc):
        with Traffic(base) as traffic:
            workers = worker_pids(proc.pid)
            assert len(workers) == 2
            text = (cases / "yangguang-solar.md").read_text(encoding="utf-8")
            (cases / f"{NEW_CASE}.md").write_text(
                text.replace("id: yangguang-solar", f"id: {NEW_CASE}"), encoding="utf-8")
            done = subprocess.run([CASEBASE, "index"], env={**os.environ, **env}, timeout=180,
                                  capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            new_gen = store.current_name(tmp_path / "index")
            assert new_gen != old_gen

            def all_switched() -> bool:
                with traffic.lock:
                    return all(traffic.generations.get(pid) == new_gen for pid in workers)

            wait_until(all_switched, 60, "both workers to report the new generation")
        assert worker_pids(proc.pid) == workers  # no worker crashed or was replaced
        # Served by the new generation and the new rows, whichever worker answers.
        for _ in range(6):
            status, body = fetch(f"{base}/api/v1/cases/{NEW_CASE}")
            assert status == 200
    assert traffic.failures == []
    assert sum(traffic.statuses.values()) > 20


def test_small_load_run_has_no_errors(tmp_path):
    """The load test's own scenario at a small size: every answer is a 200."""
    cases = tmp_path / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    dispose(make_world_on(tmp_path, cases, f"sqlite:///{tmp_path / 'db.sqlite'}"))
    env = app_env(tmp_path, cases, f"sqlite:///{tmp_path / 'db.sqlite'}")
    with gunicorn_server(env, workers=2, log_path=tmp_path / "gunicorn.log") as (base, _):
        for scenario in ("search", "recommend"):
            result = run_load(base, scenario, requests=40, concurrency=8)
            assert result.errors == 0 and len(result.latencies) == 40
