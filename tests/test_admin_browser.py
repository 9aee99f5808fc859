"""An editor in a real Chromium: log in, upload the city report as .docx, fix one figure,
publish, and find the new case through /search and the widget's API (/api/v1/search).

Runs with the real embedding model (the reindex embeds the new case for real) and prints the
time from the click on 发布 to the case being found by /api/v1/search.
"""

import json
import time
import urllib.parse
import urllib.request

import pytest
from admin_support import PASSWORD
from admin_support import admin_world
from browser_support import launch_chromium
from browser_support import live_server
from test_import import report_docx

pytestmark = [pytest.mark.browser, pytest.mark.model]
NEW_LABEL = "长牛公司吸纳农户就业"


def api_ids(base: str, query: str) -> list[str]:
    url = f"{base}/api/v1/search?" + urllib.parse.urlencode({"q": query})
    with urllib.request.urlopen(url, timeout=10) as resp:
        return [h["id"] for h in json.load(resp)["hits"]]


def wait_until_found(base: str, query: str, slug: str, limit: float = 120.0) -> None:
    """Return once `slug` is among the API's hits for `query` (polled every 50 ms)."""
    deadline = time.perf_counter() + limit
    while slug not in api_ids(base, query):
        if time.perf_counter() > deadline:
            raise AssertionError(f"{slug} not searchable after {limit} s")
        time.sleep(0.05)


def test_upload_edit_publish_then_search(tmp_path, real_model_dir):
    app = admin_world(tmp_path, model=str(real_model_dir), RATELIMIT_API="100000 per minute")
    docx_path = report_docx(tmp_path / "city-report.docx")
    with live_server(app) as base, launch_chromium() as browser:
        page = browser.new_page(locale="zh-CN")
        page.goto(f"{base}/admin/")
        assert "/admin/login" in page.url
        page.fill("input[name=name]", "pub1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('登录')")
        page.set_input_files("input[name=report]", str(docx_path))
        page.click("button:has-text('上传并生成草稿')")
        page.click("ul.drafts a:has-text('长湖村')")
        assert page.locator(".source-text mark").count() > 0  # evidence marked in the source
        assert "#ev-" in page.url  # opened at the evidence sentence, which is outlined
        target = page.locator(".source-text mark:target")
        assert target.count() == 1 and target.evaluate(
            "m => getComputedStyle(m).outlineStyle") == "solid"
        slug = page.locator("input[name=id]").input_value()
        assert slug.startswith("changhu-")  # readable: the village in pinyin
        assert slug not in api_ids(base, "长牛农业开发有限公司")

        values = page.locator("input[name$='_value']")
        row = next(i for i in range(values.count()) if values.nth(i).input_value() == "30")
        page.fill(f"input[name=fig{row}_label]", NEW_LABEL)  # the 30余户 jobs figure
        page.fill(f"input[name=fig{row}_value]", "35")  # against its quote: 30余
        page.click("button:has-text('保存')")
        assert page.locator("p.notice").inner_text() == "已保存。"
        beside = page.locator("span.provenance")  # beside the figure's row
        assert beside.count() == 1 and "找不到数字 35" in beside.inner_text()
        if page.locator("input[name=mode][value=new]").count():  # flagged as a duplicate
            page.check("input[name=mode][value=new]")
            page.check("input[name=confirm][value='1'] >> nth=0")
        page.click("button.publish")
        assert "越过核对的理由" in page.locator("div.form-error").inner_text()  # refused
        page.click("a:has-text('返回草稿')")
        page.fill(f"input[name=fig{row}_value]", "30")  # corrected back to the source
        page.click("button:has-text('保存')")
        assert page.locator("span.provenance").count() == 0
        if page.locator("input[name=mode][value=new]").count():
            page.check("input[name=mode][value=new]")
            page.check("input[name=confirm][value='1'] >> nth=0")

        clicked = time.perf_counter()
        page.click("button.publish")
        wait_until_found(base, "长牛农业开发有限公司", slug)
        seconds = time.perf_counter() - clicked
        page.wait_for_selector("#job-state.job-done", timeout=60_000)
        print(f"\npublish -> searchable via /api/v1/search: {seconds:.2f} s")

        page.goto(f"{base}/search?q=长湖村")
        assert page.locator(f"a[href='/cases/{slug}']").count() > 0
        page.goto(f"{base}/cases/{slug}")
        assert NEW_LABEL in page.content()
    published = (tmp_path / "cases" / f"{slug}.md").read_text(encoding="utf-8")
    assert f"label: {NEW_LABEL}" in published
