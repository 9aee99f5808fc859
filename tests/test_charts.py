"""Income and overview charts: drawn on the server, with the same numbers as text."""

import re
import zipfile
from io import BytesIO

import pytest

from handouts.chart_data import income_row
from handouts.charts import chart_dict
from handouts.charts import chart_svg
from handouts.charts import count_chart
from handouts.charts import income_charts
from handouts.pack import Pack
from handouts.pack import encode

TRIO = ["changhu-company", "yintian-industrial-park", "shaoyuan-training-centre"]


def _case(figures, kind="case", title="甲村：做法"):
    return {"id": "x", "title": title, "kind": kind, "figures": figures}


def _fig(value, metric, year=None, approx="", unit="万元", label="收入"):
    return {"label": label, "value": value, "unit": unit, "year": year, "metric": metric,
            "approx": approx}


def test_income_row_before_after_and_change():
    row = income_row(_case([_fig(50, "income"), _fig(5, "income", 2020)]))
    assert (row.before, row.after) == ("5万元（2020年）", "50万元（报告时）")
    assert row.change == "增加45万元，为2020年的10倍"
    assert [(b.label, b.value, b.kind) for b in row.bars] == [
        ("2020年", 5, "before"), ("报告时", 50, "after")]


def test_income_row_never_invents_an_amount():
    growth = income_row(_case([_fig(48, "income_growth_pct", unit="%",
                                    label="村级集体经济较2019年增长")]))
    assert growth.bars == () and "48%" in growth.note
    increase = income_row(_case([_fig(20, "income_increase", approx="近")]))
    assert [(b.label, b.text) for b in increase.bars] == [("增收", "近20万元")]
    # an overview's levels are different villages, not one village's before and after
    overview = _case([_fig(63.5, "income", 2022), _fig(1000, "income", approx="超过")],
                     kind="overview")
    assert income_row(overview) is None
    assert income_charts([overview]) == ([], [])
    approx = income_row(_case([_fig(5, "income", 2020), _fig(50, "income", approx="余")]))
    assert approx.change == "增加约45万元，为2020年的约10倍"


LEVELS = _case([_fig(5, "income", 2020), _fig(50, "income")], title="长湖村：x")
RAISED = _case([_fig(20, "income_increase", approx="近", label="村集体经济收入增长")],
               title="银田村：x")
EARNED = _case([_fig(100, "income_increase", approx="余", label="做法合计为村级集体经济创收")],
               title="韶源村：x")
GROWN = _case([_fig(48, "income_growth_pct", unit="%", label="村级集体经济较2019年增长")],
              title="青溪村：x")


@pytest.mark.parametrize("cases", [
    [LEVELS, RAISED, EARNED, GROWN], [LEVELS, RAISED], [RAISED, EARNED], [LEVELS, GROWN, EARNED],
    [EARNED, LEVELS, RAISED, GROWN, LEVELS]])
def test_chart_kinds_are_never_mixed(cases):
    charts, _ = income_charts(cases)
    for chart in charts:
        kinds = {b.kind for b in chart.bars}
        assert kinds <= {"before", "after"} or kinds == {"increase"} or kinds == {"growth"}
        assert len(chart.bars) >= 2  # a single number is a sentence, never a one-bar chart
        if kinds == {"increase"}:  # titled in the source's own words
            assert chart.title == "村级集体经济" + "、".join(
                dict.fromkeys(b.label for b in chart.bars)) + "（万元）"


def test_one_number_is_a_sentence_in_the_sources_word():
    charts, sentences = income_charts([EARNED])
    assert charts == [] and sentences == ["韶源村：村级集体经济创收100万余元。"]
    charts, sentences = income_charts([GROWN])
    assert charts == [] and sentences == ["青溪村：村级集体经济收入较2019年增长48%。"]
    charts, sentences = income_charts([RAISED, EARNED])
    assert [c.title for c in charts] == ["村级集体经济增收、创收（万元）"] and sentences == []
    assert [(b.group, b.label) for b in charts[0].bars] == [("银田村", "增收"), ("韶源村", "创收")]


def test_svg_keeps_text_and_is_labelled_and_escaped():
    chart = income_charts([_case([_fig(5, "income", 2020), _fig(50, "income")],
                                 title="<script>alert(1)</script>村：x")], key="c1")[0][0]
    svg = chart.svg()
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="c1-level-desc"' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    texts = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    assert "5万元" in texts and "50万元" in texts and "2020年" in texts and "报告时" in texts
    assert "WenQuanYi Micro Hei" in svg
    # the site's CSP (style-src 'self') drops inline styles: colours must be attributes
    assert " style=" not in svg and "<style" not in svg and 'fill="#8e1515"' in svg
    png = chart.png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_chart_dict_round_trips_to_the_same_svg():
    chart = count_chart("models", "经营模式", [("土地流转", 3), ("资产盘活", 2)])
    data = chart_dict(chart)
    assert [b["value"] for b in data["bars"]] == [3, 2]
    assert data["description"] == "经营模式：土地流转3篇；资产盘活2篇。"
    assert chart_svg(data) == chart.svg() and chart_svg(None) == ""


def test_case_page_shows_chart_table_and_source_sentences(shipped_client):
    html = shipped_client.get("/cases/changhu-company").get_data(as_text=True)
    assert '<svg' in html and 'role="img"' in html and "<script" not in html
    assert "图中数字" in html and "增加45万元，为2020年的10倍" in html
    # every figure carries its source sentence, shown on demand without JavaScript
    assert html.count('<details class="quote"><summary>原文</summary>') == 3
    assert "吸纳30余农户就业、提供技术支持" in html
    assert "标签的原文依据" in html
    data = shipped_client.get("/api/v1/cases/changhu-company").get_json()
    assert all(f["quote"] for f in data["figures"])
    assert data["evidence"]["models"]["土地流转"].startswith("比如，长湖村通过流转抛荒土地")
    assert [b["value"] for b in data["income"]["charts"][0]["bars"]] == [5, 50]
    assert "<svg" not in str(data)  # the JSON twin carries numbers, not markup


def test_growth_rate_only_case_gets_a_sentence(shipped_client):
    data = shipped_client.get("/api/v1/cases/shaoyang-mineral-water-solar").get_json()
    assert data["income"]["charts"] == []
    assert data["income"]["sentences"] == ["韶阳村：村级集体经济收入较2019年增长48%。"]
    html = shipped_client.get("/cases/shaoyang-mineral-water-solar").get_data(as_text=True)
    assert "<svg" not in html and "较2019年增长48%。" in html


def test_case_without_amounts_has_no_chart(shipped_client):
    html = shipped_client.get("/cases/qingxi-party-coop-base").get_data(as_text=True)
    assert "<svg" not in html
    assert shipped_client.get("/api/v1/cases/qingxi-party-coop-base").get_json()[
        "income"] == {"charts": [], "sentences": []}


def test_compare_charts_one_kind_each_and_the_table_agrees(shipped_client):
    html = shipped_client.get("/compare", query_string={"ids": ",".join(TRIO)})
    html = html.get_data(as_text=True)
    data = shipped_client.get("/api/v1/compare", query_string={"ids": ",".join(TRIO)}).get_json()
    charts = data["income"]["charts"]
    assert html.count("<svg") == len(charts) == 2
    assert [(c["title"], [(b["group"], b["text"]) for b in c["bars"]]) for c in charts] == [
        ("村级集体经济收入（万元）", [("长湖村", "5万元"), ("长湖村", "50万元")]),
        ("村级集体经济增收、创收（万元）", [("银田村", "近20万元"), ("**村", "100万余元")])]
    increase = next(r for r in data["rows"] if r["key"] == "income_increase")
    texts = {c["id"]: [i["text"] for i in c["items"]] for c in increase["cells"]}
    assert texts["changhu-company"] == ["增加45万元"]  # what the chart's note says, not 未注明
    assert "增加45万元，为2020年的10倍" in html


def test_home_overview_counts_cases_by_model_and_income(shipped_client):
    html = shipped_client.get("/").get_data(as_text=True)
    assert html.count("<svg") == 2 and "<script" not in html
    data = shipped_client.get("/api/v1/facets").get_json()
    models, income = data["overview"]["models"], data["overview"]["income"]
    facet = {v["value"]: v["count"] for v in data["facets"]["models"]["values"]}
    # the charts count village cases only, never an overview or a practice
    assert all(b["value"] <= facet[b["label"]] for b in models["bars"])
    assert sum(b["value"] for b in income["bars"]) == data["overview"]["villages"] < data["total"]
    assert "各经营模式的村镇案例数" == models["title"]
    assert any(b["label"] == "未注明" for b in income["bars"])


@pytest.mark.parametrize("path", ["/pack/handout", "/pack/handout.docx"])
def test_handouts_carry_the_chart(shipped_client, path):
    token = encode(Pack("专题", "", tuple(TRIO)))
    resp = shipped_client.get(path, query_string={"p": token})
    assert resp.status_code == 200
    if path.endswith(".docx"):
        with zipfile.ZipFile(BytesIO(resp.data)) as z:
            images = [n for n in z.namelist() if n.startswith("word/media/")]
            xml = z.read("word/document.xml").decode("utf-8")
        assert len(images) == 1  # only 长湖村 states two levels; the others one number each
        assert 'descr="村级集体经济收入（万元）：长湖村2020年5万元' in xml
        assert "：村级集体经济创收100万余元。" in xml
        assert "银田村：村级集体经济增收近20万元。" in xml
        assert "增加45万元，为2020年的10倍" in xml
        # every figure's source sentence, once per sentence, under 数字出处
        assert xml.count("数字出处") == 3 and "吸纳30余农户就业、提供技术支持" in xml
    else:
        html = resp.get_data(as_text=True)
        assert html.count("<svg") == 1 and "增加45万元，为2020年的10倍" in html
        assert "村级集体经济创收100万余元。" in html
        assert html.count('<section class="figure-sources">') == 3
        # 长湖村's three figures share one sentence: it is printed once
        assert html.count("吸纳30余农户就业、提供技术支持") == 1


@pytest.mark.browser
def test_chart_draws_in_chromium_under_the_sites_csp(shipped_app):
    """The case page's chart paints its colours (inline styles would be dropped by the CSP and
    every shape drawn black) and its Chinese labels take up room (no missing-glyph boxes)."""
    from browser_support import launch_chromium
    from browser_support import live_server
    from PIL import Image

    with live_server(shipped_app) as base, launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/cases/changhu-company", wait_until="load")
        svg = page.locator("figure.chart-figure svg.chart")
        box = svg.bounding_box()
        png = svg.screenshot()
        label_width = page.evaluate(
            "() => [...document.querySelectorAll('svg.chart text')]"
            ".find(t => t.textContent === '报告时').getComputedTextLength()")
    assert [e for e in errors if "Refused" in e or "Content Security Policy" in e] == []
    assert box["width"] > 300 and box["height"] > 100
    pixels = list(Image.open(BytesIO(png)).convert("RGB").get_flattened_data())
    red = sum(1 for r, g, b in pixels if abs(r - 0x8E) < 12 and g < 40 and b < 40)
    black = sum(1 for r, g, b in pixels if r < 30 and g < 30 and b < 30)
    assert red > 500  # the 50万元 bar in the site's red
    assert black < len(pixels) * 0.05
    assert label_width > 20  # three Chinese characters at 10px, rendered with a real font
