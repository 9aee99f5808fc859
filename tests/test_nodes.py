"""Two web nodes, one PostgreSQL: a case published on node A is searchable on node B.

Real processes (`casebase serve`), each with its own case folder and index folder, nothing
shared but the database. Node B learns of the publish through LISTEN/NOTIFY and rebuilds from
the revision PostgreSQL holds; a node that was down during an unpublish catches up on start.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from admin_support import PASSWORD
from admin_support import import_result
from pg_support import dispose
from pg_support import make_world_on
from worlds import FIXTURE_CASES
from worlds import services_of

from editorial.drafts import store_import
from editorial.users import add_user
from evaluation.procs import free_port
from evaluation.procs import stop_process

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parent.parent
CASE_TEXT = (FIXTURE_CASES / "huazhu-tea.md").read_text(encoding="utf-8")
NEW_SLUG = "xinhuazhu-tea"
SYNC_LIMIT = 10.0  # the target: a publish on one node is searchable on the other within 10 s
SOURCE = "花竹村成立茶叶专业合作社，做茶叶加工。"
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Node:
    """One `casebase serve` process over its own folders; the database is the shared one."""

    def __init__(self, root: Path, database_url: str):
        self.root, self.url, self.port = root, database_url, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def env(self) -> dict:
        return dict(os.environ, CASEBASE_CASES_DIR=str(self.root / "cases"),
                    CASEBASE_INDEX_DIR=str(self.root / "index"),
                    CASEBASE_DATABASE_URL=self.url, CASEBASE_EMBEDDING_MODEL="fake",
                    CASEBASE_MODELS_DIR=str(self.root / "models"),
                    CASEBASE_INSTANCE_PATH=str(self.root / "instance"),
                    CASEBASE_EDITABLE_DATA_DIR=str(self.root / "data"),
                    CASEBASE_SECRET_KEY="two-nodes", CASEBASE_NODE_SYNC="true",
                    CASEBASE_NODE_SYNC_INTERVAL="5", CASEBASE_INDEX_CHECK_INTERVAL="0.2",
                    CASEBASE_RATELIMIT_API="10000 per minute",  # the test polls
                    PYTHONPATH=str(ROOT))

    def start(self) -> None:
        with (self.root / "serve.log").open("ab") as log:  # a file, not a pipe: a full pipe blocks
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port",
                 str(self.port)], cwd=ROOT, env=self.env(), stdout=log, stderr=log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.root / "serve.log").read_text()[-2000:]
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("node did not start")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, 20)
            self.proc = None

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post(self, path: str, form: dict) -> int:
        data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.base + path, data=data,
                                         headers={"Accept": "application/json"})
        try:
            with self.opener.open(request, timeout=30) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def token(self, path: str) -> str:
        return TOKEN_RE.search(self.get(path)[1]).group(1)

    def login(self, name: str) -> None:
        status = self.post("/admin/login", {"name": name, "password": PASSWORD,
                                            "csrf_token": self.token("/admin/login")})
        assert status in (200, 302)

    def case_ids(self, query: str) -> list[str]:
        status, body = self.get("/api/v1/search?" + urllib.parse.urlencode({"q": query}))
        assert status == 200, body
        return [hit["id"] for hit in json.loads(body)["hits"]]


def _until(check, limit: float) -> float:
    """Seconds until `check()` holds; fails after `limit` seconds."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > limit:
            raise AssertionError(f"not within {limit} s")
        time.sleep(0.1)
    return time.monotonic() - started


def _draft_text() -> str:
    evidence = f"evidence:\n  industries: {{加工: {SOURCE}}}"
    text = CASE_TEXT.replace("source: {document: 测试报告}",
                             "source: {document: 测试报告}\n" + evidence)
    return text.replace("title: 花竹村：办茶叶加工合作社", "title: 新花竹村：茶叶合作社扩建")


@pytest.fixture
def nodes(tmp_path, pg_url):
    """Two nodes over the same database, each with the fixture cases and a built index."""
    made = []
    for name in ("a", "b"):
        root = tmp_path / name
        shutil.copytree(FIXTURE_CASES, root / "cases")
        app = make_world_on(root, root / "cases", pg_url, EDITABLE_DATA_DIR=None)
        if name == "a":
            with services_of(app).sessionmaker() as session:
                add_user(session, "pub1", "publisher", PASSWORD)
                store_import(session, import_result(_draft_text(), SOURCE, NEW_SLUG),
                             "report.md", "pub1")
        dispose(app)
        made.append(Node(root, pg_url))
    yield made
    for node in made:
        node.stop()


def test_publish_on_one_node_is_searchable_on_the_other(nodes):
    a, b = nodes
    a.start()
    b.start()
    assert NEW_SLUG not in b.case_ids("新花竹村茶叶合作社扩建")
    a.login("pub1")
    # Same village as huazhu-tea: the publisher confirms it is a new case (the duplicate question).
    assert a.post("/admin/drafts/1/publish", {"csrf_token": a.token("/admin/drafts/1"),
                                               "mode": "new", "confirm": "1"}) < 400
    published = time.monotonic()
    seconds = _until(lambda: NEW_SLUG in b.case_ids("新花竹村茶叶合作社扩建"), SYNC_LIMIT)
    print(f"node B found the case {time.monotonic() - published:.1f} s after the publish")
    assert seconds <= SYNC_LIMIT
    assert (b.root / "cases" / f"{NEW_SLUG}.md").read_text(encoding="utf-8") == \
        (a.root / "cases" / f"{NEW_SLUG}.md").read_text(encoding="utf-8")

    # Node B is down while node A unpublishes the case; B catches up when it starts again.
    b.stop()
    token = a.token("/admin/cases")
    assert a.post(f"/admin/cases/{NEW_SLUG}/unpublish", {"csrf_token": token, "confirm": "1"}) < 400
    _until(lambda: NEW_SLUG not in a.case_ids("新花竹村茶叶合作社扩建"), 30)
    assert (b.root / "cases" / f"{NEW_SLUG}.md").exists()  # B has not heard of it yet
    b.start()
    _until(lambda: NEW_SLUG not in b.case_ids("新花竹村茶叶合作社扩建"), SYNC_LIMIT)
    assert not (b.root / "cases" / f"{NEW_SLUG}.md").exists()


def test_apply_revisions_copies_cases_and_dictionary_edits(tmp_path):
    """The library part on SQLite: what node A wrote, node B's folders get; deletes too."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from db.models import Base
    from editorial.nodesync import apply_revisions
    from editorial.records import write_revision

    engine = create_engine(f"sqlite:///{tmp_path / 'shared.sqlite'}")
    Base.metadata.create_all(engine)
    a_cases, b_cases, b_data = tmp_path / "a", tmp_path / "b", tmp_path / "b-data"
    with Session(engine) as session:
        write_revision(session, a_cases / "one.md", "case:one", "第一版", "publish", "pub1")
        write_revision(session, a_cases / "two.md", "case:two", "二", "publish", "pub1")
        write_revision(session, a_cases / "one.md", "case:one", "第二版", "publish", "pub1")
        write_revision(session, tmp_path / "a-data" / "synonyms.txt", "data:synonyms.txt",
                       "消薄 空壳村\n", "edit-data", "editor1")
        write_revision(session, tmp_path / "evil", "case:../evil", "x", "publish", "pub1")
        session.commit()
        last, changed = apply_revisions(session, b_cases, 0, b_data)
        assert sorted(changed) == ["case:one", "case:two", "data:synonyms.txt"]
        assert (b_cases / "one.md").read_text(encoding="utf-8") == "第二版"
        assert (b_data / "synonyms.txt").read_text(encoding="utf-8") == "消薄 空壳村\n"
        assert not (tmp_path / "evil").with_suffix(".md").exists()
        assert apply_revisions(session, b_cases, 0, b_data)[1] == []  # already in step
        write_revision(session, a_cases / "two.md", "case:two", None, "unpublish", "pub1")
        session.commit()
        newer, changed = apply_revisions(session, b_cases, last, b_data)
        assert changed == ["case:two"] and newer > last
        assert not (b_cases / "two.md").exists() and (b_cases / "one.md").exists()
