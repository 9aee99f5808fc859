"""Property-based fuzzing: hostile parameters, bodies and case files never cause a 500, a
traceback on screen, an unbounded response, or an exception other than CaseFormatError."""

import json
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from pg_support import dispose
from pg_support import in_ci
from pg_support import make_app
from pg_support import make_world_on
from worlds import FIXTURE_CASES
from worlds import build

from analysis.vocabulary import load_vocabulary
from casefile.parse import CaseFormatError
from casefile.parse import parse_case_text
from cli import main as cli

MAX_RESPONSE = 1024 * 1024
# Bounded so the file runs in well under a minute; derandomised under CI so a red run repeats.
FUZZ = settings(max_examples=300, deadline=None, derandomize=in_ci(),
                suppress_health_check=[HealthCheck.too_slow])
SEARCH_KEYS = ["q", "page", "per_page", "mode", "income", "income_min", "income_max", "kind",
               "province", "city", "county", "terrain", "models", "industries", "resources",
               "limit", "theme", "placeholder"]
PROFILE_KEYS = ["province", "city", "county", "township", "terrain", "resources", "industries",
                "income_wan", "households", "land_mu", "distance_km", "organisations", "goals"]

# Values a hostile or clumsy caller sends: Unicode with controls and lone surrogates (sent as
# the raw bytes `surrogatepass` makes), huge or odd numbers, long repeats, raw bytes.
numbers = st.one_of(st.integers(-10**30, 10**30).map(str), st.floats().map(repr),
                    st.sampled_from(["1e309", "-0", "NaN", "inf", "0x10", "１２", "1_000", "٣"]))
unicode = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
long_values = st.builds(lambda s, n: s * n, st.text(max_size=4), st.integers(0, 3000))
raw = st.one_of(unicode.map(lambda s: s.encode("utf-8", "surrogatepass")), st.binary(max_size=80),
                numbers.map(str.encode), long_values.map(str.encode))
pairs = st.lists(st.tuples(st.one_of(st.sampled_from(SEARCH_KEYS).map(str.encode), raw), raw),
                 max_size=8)


def query_string(items) -> str:
    return "&".join(f"{quote_from_bytes(k, safe='')}={quote_from_bytes(v, safe='')}"
                    for k, v in items)


def assert_sane(resp) -> None:
    event(f"status {resp.status_code}")
    body = resp.get_data()
    assert resp.status_code < 500, body[:300]
    assert len(body) < MAX_RESPONSE
    assert b"Traceback" not in body and b'File "/' not in body
    if resp.mimetype == "application/json":
        json.loads(body)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    app = make_world_on(root, FIXTURE_CASES, f"sqlite:///{root / 'db.sqlite'}",
                        RATELIMIT_API="100000 per minute")  # fuzz the views, not the limiter
    return app.test_client()


@FUZZ
@given(path=st.sampled_from(["/api/search", "/search", "/api/v1/search", "/embed",
                             "/api/v1/recommend", "/recommend/results", "/api/v1/facets"]),
       items=pairs)
def test_query_parameters(client, path, items):
    assert_sane(client.get(f"{path}?{query_string(items)}"))


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**40, 10**40), st.floats(), unicode),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(PROFILE_KEYS), unicode),
                                            inner, max_size=5)),
    max_leaves=20)
VOCAB = load_vocabulary()
words = st.sampled_from(sorted(VOCAB.resources | VOCAB.industries) + ["合作社", "火星"])
# Nearly valid profiles reach the ranking code; random ones exercise validation.
plausible = st.fixed_dictionaries({}, optional={
    "terrain": st.sampled_from(sorted(VOCAB.terrain) + [""]),
    "resources": st.lists(words, max_size=5), "industries": st.lists(words, max_size=5),
    "income_wan": st.one_of(st.integers(-5, 10**20), st.floats()), "goals": unicode,
    "province": unicode, "households": st.integers(-1, 10**12)})
profiles = st.one_of(plausible, st.dictionaries(st.sampled_from(PROFILE_KEYS), json_values,
                                                max_size=8))
deep = st.builds(lambda n, o: (o[0] * n + "1" + o[1] * n).encode(), st.integers(50, 200_000),
                 st.sampled_from([("[", "]"), ('{"goals":', "}")]))
bodies = st.one_of(
    profiles.map(lambda p: json.dumps(p, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    json_values.map(lambda v: json.dumps(v).encode()), deep, st.binary(max_size=200),
    st.sampled_from([b"", b"{", b'{"income_wan": 1e999}', b'{"goals": "\\ud800"}',
                     b'{"resources": "' + b"x" * 300_000 + b'"}']))


@FUZZ
@given(path=st.sampled_from(["/api/v1/recommend", "/api/v1/recommend"]), body=bodies)
def test_recommend_bodies(client, path, body):
    assert_sane(client.post(path, data=body, content_type="application/json"))


@FUZZ
@given(slug=st.one_of(raw, st.sampled_from([b"changshui-company", b"..", b".", b"%00"])),
       tail=st.sampled_from(["", "/similar", "/similar?limit=999999999999999999999"]),
       prefix=st.sampled_from(["/api/v1/cases/", "/cases/", "/api/v1/cases/"]))
def test_case_ids(client, slug, tail, prefix):
    if not slug:
        return
    assert_sane(client.get(prefix + quote_from_bytes(slug, safe="") + tail))


# ---- case files -------------------------------------------------------------------------

VALID = {"id": "fuzz-case", "title": "模糊测试村：合作社", "kind": "case",
         "region": {"province": "测试省", "village": "模糊村"}, "models": ["土地流转"],
         "source": {"document": "测试报告"}, "summary": "一段摘要。"}
FIELDS = list(VALID) + ["years", "figures", "terrain", "tags", "industries", "resources"]
units = st.one_of(st.sampled_from(["万元", "亩", ""]), json_values)
field_values = st.one_of(json_values, st.lists(st.fixed_dictionaries(
    {"label": unicode, "value": json_values, "unit": units},
    optional={"year": json_values, "metric": json_values}), max_size=3))
good_figure = st.fixed_dictionaries({"label": unicode, "value": st.floats(0, 1e12),
                                     "unit": st.sampled_from(sorted(VOCAB.units))},
                                    optional={"year": st.integers(1900, 2200)})
plausible_case = st.fixed_dictionaries({}, optional={
    "title": st.text(min_size=1, max_size=30), "summary": st.one_of(unicode, long_values),
    "years": st.lists(st.integers(1940, 2110), max_size=3),
    "figures": st.lists(good_figure, max_size=3), "tags": st.lists(unicode, max_size=3),
    "terrain": st.sampled_from(sorted(VOCAB.terrain)), "region": st.dictionaries(
        st.sampled_from(["province", "city", "county", "village"]), long_values)})
overrides = st.one_of(plausible_case, st.dictionaries(st.sampled_from(FIELDS), field_values,
                                                      max_size=4))
bodies_md = st.one_of(unicode, long_values, st.just("## 主要做法\n\n<script>alert(1)</script>"))


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True))
# Alias bombs and recursion: each field below points at 9**8 strings or at itself.
NASTY_YAML = [LAUGHS + f"id: a-b\n{field}: *i" for field in FIELDS] + [
    "tags: &x [*x]", "region: &r {province: *r}", "title: !!python/object/apply:os.system [id]",
    "title: \"\\0\"", "id: a-b\nfigures: [{label: x, value: 1, unit: 万元, metric: [income]}]"]


def case_text(changes: dict, body: str) -> str:
    meta = {**VALID, **changes}
    head = yaml.safe_dump(meta, allow_unicode=True) if meta else ""
    return f"---\n{head}---\n{body}\n"


@FUZZ
@given(changes=overrides, body=bodies_md,
       garbage=st.one_of(st.none(), unicode, st.sampled_from(NASTY_YAML)))
def test_front_matter_and_markdown_parse_or_fail_cleanly(changes, body, garbage):
    try:
        text = case_text(changes, body) if garbage is None else f"---\n{garbage}\n---\n{body}"
        text.encode("utf-8")  # files are decoded strictly: no lone surrogates reach the parser
    except (yaml.YAMLError, UnicodeEncodeError):  # not a possible file: nothing to test
        return
    try:
        case = parse_case_text(text, "fuzz.md", load_vocabulary())
    except CaseFormatError as exc:
        assert exc.problems and all(p.reason for p in exc.problems)
        event("rejected with CaseFormatError")
        return
    event("parsed")
    assert case.slug and case.title and len(case.title) <= 120


@settings(FUZZ, max_examples=60)
@given(files=st.lists(st.one_of(raw, overrides.map(lambda c: case_text(c, "正文").encode(
    "utf-8", "surrogatepass"))), min_size=1, max_size=3))
def test_casebase_check_never_crashes(files):
    with tempfile.TemporaryDirectory() as tmp:
        for i, content in enumerate(files):
            Path(tmp, f"case-{i}.md").write_bytes(content)
        result = CliRunner().invoke(cli, ["check", tmp])
    assert result.exit_code in (0, 1) and (result.exception is None
                                           or isinstance(result.exception, SystemExit))


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
@settings(FUZZ, max_examples=25, suppress_health_check=list(HealthCheck))
@given(changes=st.lists(overrides, min_size=1, max_size=3))
def test_build_indexes_good_files_and_reports_bad_ones(request, tmp_path, kind, changes):
    """Through the whole indexer into SQLite and PostgreSQL (which enforces column sizes)."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    cases = root / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    for i, change in enumerate(changes):
        try:
            text = case_text({**change, "id": f"fuzz-{i}"}, "## 主要做法\n\n合作社。")
        except (yaml.YAMLError, UnicodeEncodeError):
            continue
        (cases / f"fuzz-{i}.md").write_text(text, encoding="utf-8", errors="surrogatepass")
    server = request.getfixturevalue("pg_server") if kind == "postgresql" else None
    url = server.create_database() if server else f"sqlite:///{root / 'db.sqlite'}"
    app = make_app(root, cases, url)
    try:
        report = build(app)
        client = app.test_client()
        event(f"fuzz files indexed: {sum(s.startswith('fuzz-') for s in report.added)}")
        for slug in report.added:
            if slug.startswith("fuzz-"):
                assert_sane(client.get(f"/cases/{slug}"))
                assert client.get(f"/api/v1/cases/{slug}").status_code == 200
    finally:
        dispose(app)
        if server:
            server.drop_database(url)
