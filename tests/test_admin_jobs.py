"""Jobs that finish: merged edits, recovery of a job whose process is gone, and a real
gunicorn killed with SIGKILL in the middle of a reindex, then started again."""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from admin_support import PASSWORD
from admin_support import admin_world
from admin_support import import_result
from admin_support import wait_for_job
from pg_support import db_url  # noqa: F401
from pg_support import dispose
from pg_support import make_world_on
from sqlalchemy import select
from test_admin_gate import CASE
from test_admin_gate import SOURCE
from worlds import FIXTURE_CASES
from worlds import services_of

from editorial.drafts import store_import
from editorial.jobs import Runner
from editorial.jobs import request_job
from editorial.models import IndexJob
from evaluation.loadtest import gunicorn_server
from evaluation.loadtest import worker_pids
from indexer.store import build_lock

WORD = "茶叶专业合作社"  # in huazhu-tea's text; jieba splits it until the dictionary has it


def dead_owner() -> str:
    """The owner mark of a process of this host that has ended (started and reaped here)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    from editorial.jobs import HOST

    return f"{HOST}:{child.pid}:0000"


def test_edits_in_a_row_make_one_rebuild(tmp_path):
    app = admin_world(tmp_path)
    runner, sessions = services_of(app).jobs, services_of(app).sessionmaker
    calls = []

    def build(session, rebuild):
        calls.append(rebuild)
        return SimpleNamespace(problems=[], summary=lambda: "ok", generation="g")

    runner.build = build
    with sessions() as s:
        runner._lock.acquire()  # a build is under way: the next jobs wait for it
        try:
            first = runner.submit(s, "发布 a", "pub1").id
            second = runner.submit(s, "词典修改（userdict.txt）", "pub1", rebuild=True).id
            third = runner.submit(s, "词典修改（synonyms.txt）", "pub1", rebuild=True).id
        finally:
            runner._lock.release()
    assert first == second == third
    job = wait_for_job(app, first)
    assert job.rebuild and "synonyms" in job.reason and "发布 a" in job.reason
    with sessions() as s:
        assert len(list(s.scalars(select(IndexJob)))) == 1
    assert calls == [True]


def test_a_job_whose_process_is_gone_runs_again_at_start_up(tmp_path):
    app = admin_world(tmp_path)
    with services_of(app).sessionmaker() as s:
        job = request_job(s, "发布 changhu-niu", "pub1")
        job.state, job.owner = "running", dead_owner()  # heartbeat fresh: only the pid tells
        s.commit()
        job_id = job.id
    runner = Runner(services_of(app).sessionmaker, services_of(app).jobs.build)
    assert runner.recover() == [job_id]
    assert wait_for_job(app, job_id).state == "done"
    assert runner.recover() == []


def test_a_silent_job_is_recovered_when_its_page_is_seen_and_given_up_after_three_tries(
        tmp_path):
    import datetime as dt

    from db.models import utcnow

    app = admin_world(tmp_path)
    with services_of(app).sessionmaker() as s:
        old = utcnow() - dt.timedelta(hours=2)
        alive = request_job(s, "测试", "pub1")
        alive.state, alive.owner, alive.heartbeat_at = "running", "other-host:1:ab", old
        spent = request_job(s, "测试", "pub1")
        spent.state, spent.owner, spent.heartbeat_at = "running", "other-host:1:ab", old
        spent.attempts = 3
        s.commit()
        alive_id, spent_id = alive.id, spent.id
    from admin_support import login

    client = app.test_client()
    login(client, "editor1")
    data = client.get(f"/admin/jobs/{alive_id}", headers={"Accept": "application/json"})
    assert data.get_json()["job"]["recovered"] is True
    assert wait_for_job(app, alive_id).state == "done"
    failed = wait_for_job(app, spent_id)
    assert failed.state == "failed" and "中断了 3 次" in failed.message


class Browser:
    """A cookie-keeping HTTP client that posts forms with their CSRF token (no requests)."""

    TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, path: str, form: dict | None = None) -> tuple[int, dict | str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data,
                                     headers={"Accept": "application/json"})
        try:
            with self.opener.open(req, timeout=60) as resp:
                status, body = resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode()
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body

    def token(self) -> str:
        req = urllib.request.Request(self.base + "/admin/login")
        with self.opener.open(req, timeout=60) as resp:
            return self.TOKEN.search(resp.read().decode()).group(1)


def keyword_total(base: str, words: str) -> int:
    url = f"{base}/api/search?mode=keyword&q={urllib.parse.quote(words)}"
    with urllib.request.urlopen(url, timeout=60) as resp:
        return json.loads(resp.read())["total"]


def case_found(base: str, slug: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/api/cases/{slug}", timeout=60) as resp:
            return resp.status == 200
    except urllib.error.HTTPError:
        return False


def test_kill_9_mid_job_then_restart_finishes_the_publish_and_the_rebuild(tmp_path):
    app = admin_world(tmp_path)
    sessions = services_of(app).sessionmaker
    with sessions() as s:
        store_import(s, import_result(CASE, SOURCE, "changhu-niu"), "report.md", "pub1")
    env = {f"CASEBASE_{k}": str(app.config[k]) for k in (
        "CASES_DIR", "INDEX_DIR", "DATABASE_URL", "EMBEDDING_MODEL", "MODELS_DIR",
        "EDITABLE_DATA_DIR")}
    env.update(CASEBASE_SECRET_KEY="test", CASEBASE_JOB_HEARTBEAT_SECONDS="0.5",
               CASEBASE_JOB_STALE_SECONDS="5", PYTHONPATH=str(Path(__file__).parent.parent))
    log_path = tmp_path / "gunicorn.log"
    lock = build_lock(Path(app.config["INDEX_DIR"]))
    lock.__enter__()  # the build waits for this lock: the job is surely mid-way when killed
    try:
        with gunicorn_server(env, workers=1, log_path=log_path) as (base, proc):
            assert keyword_total(base, WORD) >= 1
            browser = Browser(base)
            status, _ = browser.call("/admin/login", {"name": "pub1", "password": PASSWORD,
                                                      "csrf_token": browser.token()})
            assert status == 200
            token = browser.token()
            status, body = browser.call("/admin/drafts/1/publish", {"csrf_token": token})
            assert status == 202, body
            publish_job = body["job"]["id"]
            status, body = browser.call("/admin/queries/edit", {
                "csrf_token": token, "q": WORD, "words": WORD, "group": "", "phrases": "",
                "concepts": ""})
            assert status == 202, body
            edit_job = body["job"]["id"]
            while True:  # wait until the publish job is running (inside the build's wait)
                with sessions() as s:
                    if s.get(IndexJob, publish_job).state == "running":
                        break
                time.sleep(0.05)
            for pid in worker_pids(proc.pid) | {proc.pid}:
                os.kill(pid, signal.SIGKILL)
            proc.wait()
        with sessions() as s:
            assert {s.get(IndexJob, j).state for j in (publish_job, edit_job)} <= {
                "queued", "running"}  # left behind by the killed processes
    finally:
        lock.__exit__(None, None, None)
    with gunicorn_server(env, workers=1, log_path=log_path) as (base, _proc):
        for job_id in (publish_job, edit_job):
            job = wait_for_job(app, job_id, limit=300)
            assert job.state == "done", job.message
        deadline = time.monotonic() + 60  # the worker switches to the new generation
        while not case_found(base, "changhu-niu") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert case_found(base, "changhu-niu")  # the publish that was killed mid-way
        assert keyword_total(base, WORD) >= 1  # the new word is found: the rebuild ran
    with sessions() as s:
        # the publish job ran twice (killed, then again); the edit's had not started yet
        assert [j.attempts for j in s.scalars(select(IndexJob).order_by(IndexJob.id))] == [2, 1]


def test_two_workers_recovering_at_once_claim_a_job_once(tmp_path, db_url):  # noqa: F811
    """Workers start together after a crash: each job left behind runs in one of them."""
    app = make_world_on(tmp_path, FIXTURE_CASES, db_url)
    try:
        sessions = services_of(app).sessionmaker
        with sessions() as s:
            for _ in range(3):
                job = request_job(s, "发布", "pub1")
                job.state, job.owner = "running", dead_owner()
            s.commit()
        built = []

        def build(session, rebuild):
            built.append(rebuild)
            return SimpleNamespace(problems=[], summary=lambda: "ok", generation="g")

        runners = [Runner(sessions, build) for _ in range(2)]
        start, claimed = threading.Barrier(2), []

        def recover(runner):
            start.wait()
            claimed.extend(runner.recover())

        threads = [threading.Thread(target=recover, args=(r,)) for r in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(claimed) == [1, 2, 3]  # each job once, whichever worker took it
        for job_id in claimed:
            assert wait_for_job(app, job_id).state == "done"
        assert len(built) == 3
    finally:
        dispose(app)


def test_a_heartbeat_slower_than_staleness_is_refused():
    with pytest.raises(ValueError, match="JOB_HEARTBEAT_SECONDS"):
        Runner(None, None, heartbeat_seconds=60, stale_seconds=30)
