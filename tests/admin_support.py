"""Helpers for the editor-area tests: a world with users, CSRF-aware logins, job waits."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

from worlds import FIXTURE_CASES
from worlds import make_world
from worlds import services_of

from editorial.models import IndexJob
from editorial.users import add_user

PASSWORD = "correct-horse-9"
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def admin_world(tmp_path: Path, **config):
    """Fixture cases copied into tmp_path (publishing writes there), an editor and a publisher."""
    cases = tmp_path / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    app = make_world(tmp_path, cases, EDITABLE_DATA_DIR=str(tmp_path / "data"), **config)
    with services_of(app).sessionmaker() as session:
        add_user(session, "editor1", "editor", PASSWORD)
        add_user(session, "pub1", "publisher", PASSWORD)
    return app


def csrf_token(client, path: str = "/admin/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return TOKEN_RE.search(html).group(1)


def login(client, name: str, password: str = PASSWORD):
    return client.post("/admin/login", data={"name": name, "password": password,
                                             "csrf_token": csrf_token(client)})


def wait_for_job(app, job_id: int, limit: float = 120.0) -> IndexJob:
    """Poll the job row until it is done or failed (the build runs in a thread)."""
    deadline = time.monotonic() + limit
    while True:
        with services_of(app).sessionmaker() as session:
            job = session.get(IndexJob, job_id)
            if job.state in ("done", "failed"):
                return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.state}")
        time.sleep(0.05)


def import_result(case_text: str, source_text: str, slug: str = "draft-one"):
    """An importer-shaped result holding one draft (for tests of review and publishing that
    do not exercise the importer itself)."""
    text = re.sub(r"^id: .*$", f"id: {slug}", case_text, count=1, flags=re.MULTILINE)
    title = re.search(r"^title: (.*)$", text, re.MULTILINE).group(1)
    draft = SimpleNamespace(slug=slug, title=title, markdown=lambda: text)
    return SimpleNamespace(source_name="测试报告", source_text=source_text, drafts=[draft],
                           warnings=[])
