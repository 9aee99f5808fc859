"""No markup from case files or queries runs in any page; security headers; no secrets in the
repository; nothing writes server state without authentication."""

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from pg_support import make_world_on
from worlds import FIXTURE_CASES

from app import create_app

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS = [
    '<script>alert("x1")</script>',
    '"><img src=x onerror=alert("x2")>',
    "' onmouseover='alert(3)' x='",
    '<svg/onload=alert("x4")>',
    "javascript:alert('x5')",
    '</textarea></title><iframe src="javascript:alert(6)"></iframe>',
    "{{7*7}}<a href='java&#x09;script:alert(8)'>x</a>",
    '<object data="data:text/html,<script>alert(9)</script>"></object>',
]
URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "srcdoc"}


class ActiveMarkup(HTMLParser):
    """Collects every piece of markup that could run script in a browser."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("iframe", "object", "embed", "base", "frame"):
            self.found.append(f"<{tag}>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/") or src.startswith("//"):  # only our own files may load
                self.found.append(f"<script src={src!r}>")
        for name, value in attrs:
            value = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=...>")
            elif name in URL_ATTRS and value.startswith(("javascript:", "vbscript:", "data:")):
                self.found.append(f"<{tag} {name}={value[:40]}>")

    def handle_data(self, data):
        pass


def active_markup(html: str) -> list[str]:
    parser = ActiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A library whose every field carries an XSS payload, plus the fixture cases."""
    root = tmp_path_factory.mktemp("xss")
    cases = root / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    for i, payload in enumerate(PAYLOADS):
        text = payload.replace('"', "'")
        (cases / f"hostile-{i}.md").write_text(f'''---
id: hostile-{i}
title: "恶意村{text}"
kind: case
region: {{province: "测试省{text}", village: "村{text}"}}
models: [物业租赁]
tags: ["{text}"]
figures:
  - {{label: "收入{text}", value: 5, unit: 万元, metric: income}}
source: {{document: "报告{text}", publisher: "单位{text}"}}
summary: "摘要{text}"
---
## 主要做法{payload}

物业租赁{payload}

[点我]({payload}) [链接](javascript:alert('x{i}')) <a href="javascript:alert(1)">a</a>
''', encoding="utf-8")
    app = make_world_on(root, cases, f"sqlite:///{root / 'db.sqlite'}",
                        RATELIMIT_API="100000 per minute")
    return app.test_client()


def pages(i: int, payload: str) -> list[str]:
    q = quote(payload)
    return ["/", f"/search?q={q}", f"/search?q=%E7%89%A9%E4%B8%9A&province={q}",
            f"/cases/hostile-{i}", "/search?q=%E7%89%A9%E4%B8%9A%E7%A7%9F%E8%B5%81",
            f"/recommend/results?goals={q}&resources=%E7%BA%A2%E8%89%B2%E8%B5%84%E6%BA%90",
            f"/recommend?from=hostile-{i}", f"/embed?q={q}&per_page=10",
            f"/compare?ids=hostile-{i},xss-case", f"/pack/add?id=hostile-{i}",
            f"/cases/{q}", f"/search?page={q}"]


def test_the_checker_sees_active_markup():
    found = active_markup('<a href=" JaVa\tscript:x()">a</a><img src=x onerror=f()><script>x'
                          '</script><iframe src="/x"></iframe>')
    assert len(found) == 4


@pytest.mark.parametrize("i", range(len(PAYLOADS)))
def test_no_page_runs_markup_from_cases_or_queries(hostile, i):
    assert hostile.get(f"/api/v1/cases/hostile-{i}").status_code == 200  # indexed, not rejected
    for path in pages(i, PAYLOADS[i]):
        resp = hostile.get(path, follow_redirects=True)
        assert resp.status_code < 500, path
        html = resp.get_data(as_text=True)
        assert active_markup(html) == [], path


def test_the_hostile_case_is_shown_as_text(hostile):
    html = hostile.get("/cases/hostile-0").get_data(as_text=True)
    assert "&lt;script&gt;alert" in html  # visible to the reader, inert
    body = hostile.get("/api/v1/cases/hostile-1").get_json()
    assert active_markup("".join(s["html"] for s in body["sections"])) == []


def test_api_snippets_carry_no_markup_but_mark(hostile):
    body = hostile.get("/api/v1/search", query_string={"q": "物业租赁"}).get_json()
    assert body["hits"]
    for hit in body["hits"]:
        for field in ("snippet", "title_html"):
            tags = set(re.findall(r"</?([a-zA-Z][\w-]*)", hit[field]))
            assert tags <= {"mark"}, (hit["id"], field, hit[field])


@pytest.mark.parametrize("path", ["/", "/search?q=x", "/cases/xss-case", "/api/v1/search?q=x",
                                  "/healthz", "/static/style.css", "/no-such-page"])
def test_security_headers_everywhere(hostile, path):
    resp = hostile.get(path)
    resp.close()  # static files are streamed from an open file
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_embed_keeps_its_own_frame_policy(hostile):
    resp = hostile.get("/embed?q=%E5%85%89%E4%BC%8F&per_page=10")
    assert resp.status_code == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" not in csp and "frame-ancestors" in csp
    assert "X-Frame-Options" not in resp.headers
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_script_or_handlers():
    for path in (ROOT / "templates").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
        handler = r"\son(?:click|load|error|submit|change|input|focus|blur|key\w+|mouse\w+)\s*="
        assert not re.search(handler, text), path.name


def test_secret_key_comes_from_the_environment(monkeypatch, tmp_path):
    config = {"INDEX_DIR": str(tmp_path / "i"), "EMBEDDING_MODEL": "fake",
              "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    first, second = create_app(dict(config)), create_app(dict(config))
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]  # random, never a default
    monkeypatch.setenv("CASEBASE_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("CASEBASE_INDEX_DIR", str(tmp_path / "i"))
    monkeypatch.setenv("CASEBASE_EMBEDDING_MODEL", "fake")
    monkeypatch.setenv("CASEBASE_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert create_app().config["SECRET_KEY"] == "from-the-environment"


SECRET_PATTERNS = [
    re.compile(r"SECRET_KEY\s*=\s*['\"][^'\"]{8,}"),
    re.compile(r"postgres(?:ql)?(?:\+\w+)?://[^:/\s'\"]+:[^@\s'\"{$]{6,}@"),
    re.compile(r"-----BEGIN (?:RSA |EC )?PRIVATE KEY-----"),
]


def test_no_secrets_in_the_repository():
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    leaks = []
    for name in files:
        path = ROOT / name
        if name.startswith("tests/") or not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        leaks += [f"{name}: {m.group(0)[:40]}" for p in SECRET_PATTERNS for m in p.finditer(text)]
    assert leaks == []


# Endpoints that accept POST but change nothing on the server: recommend computes an answer;
# the pack forms only redirect to a new URL token (and mirror it in the reader's own cookie).
STATELESS_POSTS = {"/api/recommend", "/api/v1/recommend", "/pack/add", "/pack/remove",
                   "/pack/move", "/pack/edit", "/pack/new"}


def test_no_endpoint_writes_without_authentication(hostile):
    app = hostile.application
    writes = {rule.rule for rule in app.url_map.iter_rules()
              if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}}
    # The editor area's writes need a login and a CSRF token: tests/test_admin_auth.py posts to
    # every one of them without either.
    writes = {w for w in writes if not w.startswith("/admin/")}
    assert writes <= STATELESS_POSTS, "a new write endpoint needs a login and CSRF protection"
