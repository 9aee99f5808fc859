"""Trainer tools: pack tokens, comparison, the Word handout, HTTP errors and the no-JS form flow."""

import base64
import json
import re
import zlib
from io import BytesIO
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from worlds import services_of

import cli
from cli import app_loader
from handouts.compare import comparison
from handouts.docx_export import build_docx
from handouts.pack import MAX_CASES
from handouts.pack import Pack
from handouts.pack import PackError
from handouts.pack import UnknownCasesError
from handouts.pack import decode
from handouts.pack import encode
from handouts.pack import load_cases
from handouts.pack import parse_ids

TRIO = ["shaoyuan-training-centre", "yintian-industrial-park", "changhu-company"]
WITH_LESSONS = "practice-three-assets"  # a shipped entry that has a 经验启示 section


def raw_token(payload) -> str:
    """A token around any payload, to forge what a tampered link could carry."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return "p1." + base64.urlsafe_b64encode(zlib.compress(data)).decode().rstrip("=")


def many_ids(n: int) -> list[str]:
    return [f"case-{i:03d}" for i in range(n)]


def shipped_cases(app, ids):
    return load_cases(services_of(app).search.generation().catalog, ids)


# ---- pack tokens --------------------------------------------------------------------------

def test_token_round_trip_is_url_safe_and_compact():
    pack = Pack("三资盘活专题（第一期）", "第一行\n第二行：讨论“水土不服”", tuple(TRIO))
    token = encode(pack)
    assert re.fullmatch(r"p1\.[A-Za-z0-9_-]+", token)
    assert decode(token) == pack
    assert decode("") == Pack() and decode(None) == Pack()
    assert len(encode(Pack(ids=tuple(many_ids(MAX_CASES))))) < 1000


@pytest.mark.parametrize("token, field", [
    ("p2." + encode(Pack(ids=("changhu-company",)))[3:], "p"),     # unknown version
    ("p1.", "p"),
    ("p1.!!!not-base64!!!", "p"),
    (encode(Pack(ids=("changhu-company",)))[:-6], "p"),              # truncated
    (raw_token(b"not json at all"), "p"),
    (raw_token(["changhu-company"]), "p"),                            # not an object
    (raw_token({"ids": ["a-b"], "owner": "x"}), "p"),                  # unexpected key
    (raw_token({"ids": "changhu-company"}), "p"),                      # ids not a list
    (raw_token({"ids": ["../../etc/passwd"]}), "ids"),
    (raw_token({"ids": ["changhu-company", "changhu-company"]}), "p"),
    (raw_token({"ids": many_ids(MAX_CASES + 1)}), "ids"),
    (raw_token({"title": "题" * 101, "ids": []}), "title"),
    (raw_token({"notes": "注" * 2001, "ids": []}), "notes"),
    (raw_token(b" " * 5_000_000), "p"),                                # inflates past the cap
    ("p1." + "A" * 20_000, "p"),                                       # longer than any pack
])
def test_tampered_or_oversized_token_is_a_clear_error(token, field):
    with pytest.raises(PackError) as err:
        decode(token)
    assert field in err.value.errors and re.search(r"[\u4e00-\u9fff]", err.value.message)


def test_pack_edits_keep_order_limits_and_no_duplicates():
    pack = Pack().add("a-1").add("b-2").add("c-3").add("b-2")
    assert pack.ids == ("a-1", "b-2", "c-3")
    assert pack.move("c-3", -1).ids == ("a-1", "c-3", "b-2")
    assert pack.move("a-1", -1).ids == pack.ids  # already first
    assert pack.remove("b-2").ids == ("a-1", "c-3")
    with pytest.raises(PackError, match="最多 50 个案例，现在有 51 个"):
        Pack(ids=tuple(many_ids(MAX_CASES))).add("one-more")
    with pytest.raises(PackError):
        pack.add("Not A Slug")


def test_parse_ids_splits_dedupes_and_checks():
    assert parse_ids(["a-1,b-2，a-1", " c-3 "]) == ["a-1", "b-2", "c-3"]
    with pytest.raises(PackError):
        parse_ids(["a-1,<script>"])
    with pytest.raises(PackError, match="最多 50"):
        parse_ids([",".join(many_ids(51))])


def test_unknown_ids_are_listed(shipped_app):
    with pytest.raises(UnknownCasesError) as err:
        shipped_cases(shipped_app, ["changhu-company", "no-such-case", "gone-too"])
    assert err.value.ids == ["no-such-case", "gone-too"]
    assert "no-such-case、gone-too" in err.value.message


# ---- comparison ---------------------------------------------------------------------------

def cell_texts(row) -> list[list[str]]:
    return [[item["text"] for item in cell["items"]] for cell in row["cells"]]


def test_comparison_marks_rows_and_items_that_differ(shipped_app):
    data = comparison(shipped_cases(shipped_app, TRIO))
    rows = {r["key"]: r for r in data["rows"]}
    assert data["ids"] == TRIO
    assert not rows["kind"]["differs"] and not rows["source"]["differs"]
    assert rows["resources"]["differs"] and "resources" in data["differing"]
    assert cell_texts(rows["income_before"]) == [[], [], ["5万元（2020年）"]]
    assert cell_texts(rows["income_after"])[2] == ["50万元"]
    assert cell_texts(rows["land"])[1] == ["750余亩", "2789亩"]
    assert "40余户" in cell_texts(rows["households"])[0]
    assert rows["measures"]["cells"][2]["items"][0]["text"] == "流转村里的抛荒土地。"
    assert rows["linkage"]["cells"][2]["items"][0]["text"].startswith("公司吸纳30余户农户就业")
    region = {i["text"]: i for i in rows["region"]["cells"][1]["items"]}
    assert region["湖南省"]["shared"] and not region["银田村"]["shared"]
    models = {i["text"]: i["count"] for i in rows["models"]["cells"][2]["items"]}
    assert models == {"村集体+公司+农户": 1, "土地流转": 2}


@pytest.mark.parametrize("n", [1, 5])
def test_comparison_needs_two_to_four(shipped_app, n):
    ids = ["changhu-company", "yintian-industrial-park", "shaoyuan-training-centre",
           "waping-village-coop", "qingxi-party-coop-base"][:n]
    with pytest.raises(PackError, match="2 到 4"):
        comparison(shipped_cases(shipped_app, ids))


# ---- the Word handout ---------------------------------------------------------------------

def paragraphs_by_case(doc) -> dict[str, list]:
    """Body paragraphs grouped under each Heading 1 (one per case)."""
    groups, current = {}, None
    for p in doc.paragraphs:
        if p.style.name == "Heading 1":
            current = p.text
            groups[current] = []
        elif current:
            groups[current].append(p)
    return groups


def test_docx_structure_text_fields_and_fonts(shipped_app):
    ids = TRIO + [WITH_LESSONS]
    cases = shipped_cases(shipped_app, ids)
    pack = Pack("三资盘活专题", "请课前阅读。", tuple(ids))
    doc = Document(BytesIO(build_docx(pack, cases)))
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == ["三资盘活专题"]
    body_xml = doc.element.body.xml
    assert "TOC \\o" in body_xml and "请课前阅读。" in body_xml
    groups = paragraphs_by_case(doc)
    assert list(groups) == [c["title"] for c in cases]
    for case, table in zip(cases, doc.tables, strict=True):
        labels = [row.cells[0].text for row in table.rows]
        values = [row.cells[1].text for row in table.rows]
        assert labels[:2] == ["类型", "地区"] and labels[-1] == "来源"
        assert all(f["text"] in values for f in case["figures"])
        texts = [p.text for p in groups[case["title"]]]
        assert f"来源：{case['citation']}" in texts
        headings = [p.text for p in groups[case["title"]] if p.style.name == "Heading 2"]
        assert headings[0] == "基本情况"
        assert "讨论题" in headings  # every case, not only those with a 经验启示 section
    questions = [p.text for p in groups[cases[-1]["title"]] if re.match(r"\d\. ", p.text)]
    assert any("先弄清集体有什么" in q for q in questions)
    changhu = groups[cases[2]["title"]]
    bullets = [p.text for p in changhu if p.style.name == "List Bullet"]
    assert bullets[0] == "流转村里的抛荒土地。"  # Markdown bullets become Word list paragraphs
    footer = doc.sections[0].footer.paragraphs[0]._p
    assert [t.text.strip() for t in footer.iter(qn("w:instrText"))] == ["PAGE", "NUMPAGES"]
    fonts = {name: doc.styles[name].element.rPr.find(qn("w:rFonts"))
             for name in ("Normal", "Heading 1", "Heading 2", "Title")}
    assert fonts["Normal"].get(qn("w:eastAsia")) == "宋体"
    for name in ("Heading 1", "Heading 2", "Title"):
        assert fonts[name].get(qn("w:eastAsia")) == "黑体"
        assert fonts[name].get(qn("w:eastAsiaTheme")) is None  # a theme font would win
    assert round(doc.sections[0].page_width.mm) == 210
    assert doc.settings.element.find(qn("w:updateFields")) is not None


def test_every_shipped_case_has_questions_from_its_own_facts_in_word(shipped_app):
    catalog = services_of(shipped_app).search.generation().catalog
    ids = sorted(catalog)
    cases = shipped_cases(shipped_app, ids)
    doc = Document(BytesIO(build_docx(Pack("全部案例", "", tuple(ids)), cases)))
    groups = paragraphs_by_case(doc)
    for case in cases:
        paras = groups[case["title"]]
        heads = [i for i, p in enumerate(paras) if p.style.name == "Heading 2"]
        start = next(i for i in heads if paras[i].text == "讨论题")
        end = next((i for i in heads if i > start), len(paras))
        questions = [p.text for p in paras[start + 1:end] if re.match(r"\d\. ", p.text)]
        assert len(questions) >= 2, case["id"]
        own = questions[:-1]  # the last one is the question every case gets
        # each question names one of the case's own facts, never an invented one
        facts = [case["title"].split("：")[0], *case["models"], *case["resources"],
                 *case["industries"], *(f["text"] for f in case["figures"]), LESSON_MARK]
        if section_text(case, "主要做法"):
            facts.append("主要做法之一")
        for q in own:
            assert any(fact in q for fact in facts), (case["id"], q)


LESSON_MARK = "案例的启示"


def section_text(case, heading):
    return next((s["markdown"] for s in case["sections"] if s["heading"] == heading), "")


def test_question_templates_fill_only_stated_facts():
    from handouts.content import discussion_questions

    bare = {"title": "甲村：做法", "kind": "case", "models": [], "resources": [],
            "industries": [], "terrain": None, "figures": [], "sections": []}
    assert discussion_questions(bare) == [
        "对照本村的资源、区位和集体经济基础，照搬这个案例最容易在哪一环“水土不服”？应当怎样调整？"]
    rich = dict(bare, models=["土地流转"], resources=["抛荒地"], terrain="丘陵", figures=[
        {"label": "村级集体经济收入", "text": "5万元（2020年）", "metric": "income", "year": 2020},
        {"label": "村级集体经济收入", "text": "50万元", "metric": "income", "year": None}])
    questions = discussion_questions(rich)
    assert questions[0].startswith("甲村靠抛荒地，走了“土地流转”的路子")
    assert any("从5万元（2020年）到50万元" in q for q in questions)
    assert all("{" not in q for q in questions)


# ---- HTTP: JSON twins and clear errors ----------------------------------------------------

def test_pack_api_and_page_agree(shipped_client):
    token = encode(Pack("培训", "", tuple(TRIO)))
    body = shipped_client.get("/api/v1/pack", query_string={"p": token}).get_json()
    assert body["ids"] == TRIO and body["title"] == "培训" and body["missing"] == []
    assert [c["id"] for c in body["cases"]] == TRIO and body["links"]["compare"]
    html = shipped_client.get("/pack", query_string={"p": token}).get_data(as_text=True)
    for case in body["cases"]:
        assert case["title"] in html
    assert body["links"]["docx"] in html.replace("&amp;", "&") and "<script" not in html


@pytest.mark.parametrize("url, args, status, needle", [
    ("/pack", {"p": raw_token({"ids": many_ids(51)})}, 400, "最多 50"),
    ("/pack/handout", {"p": raw_token({"ids": many_ids(51)})}, 400, "最多 50"),
    ("/pack", {"p": "p1.garbage!"}, 400, "无效"),
    ("/pack/handout.docx", {"p": encode(Pack(ids=("changhu-company", "no-such-case")))}, 404,
     "no-such-case"),
    ("/pack/handout", {"p": ""}, 400, "空的"),
    ("/compare", {"ids": "changhu-company"}, 400, "2 到 4"),
    ("/compare", {"ids": "a-1,b-2,c-3,d-4,e-5"}, 400, "2 到 4"),
    ("/compare", {"ids": "changhu-company,nope-1,nope-2"}, 404, "nope-1、nope-2"),
    ("/pack/add", {"id": "no-such-case"}, 404, "no-such-case"),
    ("/pack/move", {"id": "changhu-company", "dir": "sideways"}, 400, "up"),
])
def test_bad_pack_requests_answer_clear_errors(shipped_client, url, args, status, needle):
    resp = shipped_client.get(url, query_string=args, headers={"Accept": "application/json"})
    assert resp.status_code == status
    body = resp.get_json()
    assert body["ok"] is False and body["status"] == status
    assert needle in body["error"] + json.dumps(body["errors"], ensure_ascii=False)
    page = shipped_client.get(url, query_string=args)
    assert page.status_code == status and needle in page.get_data(as_text=True)


def test_pack_page_lists_cases_the_library_lost(shipped_client):
    token = encode(Pack(ids=("changhu-company", "gone-case")))
    body = shipped_client.get("/api/v1/pack", query_string={"p": token}).get_json()
    assert body["missing"] == ["gone-case"] and "docx" not in body["links"]
    html = shipped_client.get("/pack", query_string={"p": token}).get_data(as_text=True)
    assert "已不在案例库中" in html and "gone-case" in html


def test_compare_page_shows_differences(shipped_client):
    args = {"ids": ",".join(TRIO)}
    html = shipped_client.get("/compare", query_string=args).get_data(as_text=True)
    assert html.count('class="differs"') == 12 and html.count('class="same"') == 2
    assert "5万元（2020年）" in html and "750余亩" in html and "未注明" in html
    only = shipped_client.get("/compare", query_string=dict(args, only="diff")).get_data(
        as_text=True)
    assert 'class="same"' not in only and "资源禀赋" in only


def test_handout_page_and_docx_download(shipped_client):
    token = encode(Pack("", "", tuple(TRIO + [WITH_LESSONS])))
    html = shipped_client.get("/pack/handout", query_string={"p": token}).get_data(as_text=True)
    assert "print.css" in html and 'class="site"' not in html  # no site nav on the sheet
    assert html.count("<h2>讨论题</h2>") == 4 and html.count("来源：</strong>") == 4
    resp = shipped_client.get("/pack/handout.docx", query_string={"p": token})
    assert resp.status_code == 200 and resp.mimetype.endswith("wordprocessingml.document")
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    assert Document(BytesIO(resp.data)).paragraphs


# ---- the no-JavaScript flow: plain forms, redirects, the pack in the URL ------------------

def token_of(resp) -> str:
    assert resp.status_code == 303
    return parse_qs(urlsplit(resp.headers["Location"]).query)["p"][0]


def test_plain_form_flow_add_reorder_remove_edit(client):
    t = token_of(client.post("/pack/add", data={"id": "changshui-company"}))
    t = token_of(client.post("/pack/add", data={"p": t, "id": "hetian-land-park"}))
    t = token_of(client.post("/pack/add", data={"p": t, "id": "yangguang-solar"}))
    t = token_of(client.post("/pack/move", data={"p": t, "id": "yangguang-solar", "dir": "up"}))
    assert decode(t).ids == ("changshui-company", "yangguang-solar", "hetian-land-park")
    t = token_of(client.post("/pack/remove", data={"p": t, "id": "changshui-company"}))
    t = token_of(client.post("/pack/edit", data={"p": t, "title": "光伏专题", "notes": "备注"}))
    assert decode(t) == Pack("光伏专题", "备注", ("yangguang-solar", "hetian-land-park"))
    page = client.get("/pack", query_string={"p": t}).get_data(as_text=True)
    assert page.index("阳光村") < page.index("禾田村") and 'method="post"' in page
    # the browser remembers the pack: the nav link and a case page's button find it
    nav = client.get("/pack")
    assert nav.status_code == 302 and token_of_location(nav) == t
    added = client.get("/pack/add", query_string={"id": "huazhu-tea"})
    assert decode(token_of(added)).ids[-1] == "huazhu-tea" and len(decode(token_of(added)).ids) == 3


def token_of_location(resp) -> str:
    return parse_qs(urlsplit(resp.headers["Location"]).query)["p"][0]


def test_add_from_a_page_opened_from_a_pack_uses_that_pack(client):
    base = encode(Pack(ids=("hetian-land-park",)))
    resp = client.get("/pack/add", query_string={"id": "huazhu-tea"},
                      headers={"Referer": f"http://localhost/cases/huazhu-tea?p={base}"})
    assert decode(token_of(resp)).ids == ("hetian-land-park", "huazhu-tea")
    assert "back=/cases/huazhu-tea" in resp.headers["Location"].replace("%2F", "/")


@pytest.mark.parametrize("back, shown", [
    ("/search?q=光伏", True), ("//evil.example", False), ("/\t/evil.example", False),
    ("https://evil.example/", False), ("/\\evil.example", False),
])
def test_back_link_goes_only_to_local_paths(client, back, shown):
    args = {"p": encode(Pack(ids=("huazhu-tea",))), "added": "huazhu-tea", "back": back}
    html = client.get("/pack", query_string=args).get_data(as_text=True)
    assert "已加入" in html and ("返回继续浏览" in html) == shown


def test_case_page_and_nav_offer_the_pack(client):
    html = client.get("/cases/huazhu-tea").get_data(as_text=True)
    assert 'href="/pack/add?id=huazhu-tea"' in html and ">加入素材包<" in html
    assert 'href="/pack"' in html and ">素材包<" in html


# ---- CLI ----------------------------------------------------------------------------------

def test_cli_exports_docx_and_html(shipped_app, monkeypatch, tmp_path):
    monkeypatch.setattr(app_loader, "make_services", lambda **_: services_of(shipped_app))
    runner = CliRunner()
    out = tmp_path / "pack.docx"
    result = runner.invoke(cli.main, ["export", "--cases", ",".join(TRIO), "--format",
                                               "docx", "--out", str(out), "--title", "课程素材"])
    assert result.exit_code == 0, result.output
    doc = Document(str(out))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][2].startswith("长湖村")
    html_out = tmp_path / "pack.html"
    result = runner.invoke(cli.main, ["export", "--cases", ",".join(TRIO), "--format",
                                               "html", "--out", str(html_out)])
    html = html_out.read_text("utf-8")
    assert result.exit_code == 0 and "<style>" in html and "@page" in html and "银田村" in html
    bad = runner.invoke(cli.main, ["export", "--cases", "changhu-company,nope-x",
                                            "--out", str(tmp_path / "x.docx")])
    assert bad.exit_code == 1 and "nope-x" in bad.output


def test_pack_page_adds_cases_through_a_search_box_and_hides_json(shipped_client):
    token = encode(Pack("专题", "", ("changhu-company",)))
    html = shipped_client.get("/pack", query_string={"p": token}).get_data(as_text=True)
    assert 'action="/search"' in html and f'name="p" value="{token}"' in html
    assert "按 id" not in html and ">JSON<" not in html
    results = shipped_client.get("/search", query_string={"q": "闲置村部", "p": token})
    add = re.search(r'href="(/pack/add\?id=[^"]+)"', results.get_data(as_text=True)).group(1)
    resp = shipped_client.get(add, headers={"Referer": f"http://localhost/search?q=x&p={token}"})
    new = parse_qs(urlsplit(resp.headers["Location"]).query)["p"][0]
    assert decode(new).ids[0] == "changhu-company" and len(decode(new).ids) == 2
