"""The embed widget and the iframe in a real Chromium, on host pages from other loopback origins.

The app runs on 127.0.0.1 behind a real WSGI server; the "party-building sites" are tiny pages
served from 127.0.0.2 (in the CORS and frame-ancestors allowlists) and 127.0.0.3 (not in them).
One test keeps the default configuration: the help page's snippets work on any site.
Each state is saved as a screenshot in the test's tmp_path.
"""

from types import SimpleNamespace

import pytest
from browser_support import launch_chromium
from browser_support import live_server
from browser_support import page_server
from worlds import FIXTURE_CASES
from worlds import make_world

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>某县党建网</title>{style}</head><body><h1>某县党建网 · 学习园地</h1>
<div class="sidebar">
<a class="casebase-fallback" href="{api}/search">在“村案通”搜索村级集体经济案例</a>
<script src="{api}/widget.js"{attrs} async></script>
</div><p>页脚：版权所有</p></body></html>"""
IFRAME_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>某县党建网</title></head><body><h1>某县党建网</h1>
<iframe id="cb" src="{api}/embed?per_page=5" title="村案通案例检索"
width="600" height="520" frameborder="0"></iframe></body></html>"""
AGGRESSIVE_CSS = """<style>
body, body * { color: red !important; display: inline !important; font-size: 40px !important;
    margin: 30px !important; line-height: 3 !important; background: lime !important;
    font-family: serif !important; letter-spacing: 6px !important; }
div, p, ol, li, a, input, button, mark, span, form { all: unset !important; }
mark { background: black !important; color: white !important; }
input { width: 20px !important; } ol { list-style: upper-roman !important; }
</style>"""
# Computed styles that make the widget look like itself, per element, inside the shadow root.
STYLES_JS = """host => {
  const root = document.querySelector(host).shadowRoot;
  const props = ['display', 'fontSize', 'color', 'backgroundColor', 'fontWeight', 'lineHeight',
                 'letterSpacing', 'marginTop', 'borderTopColor'];
  const out = {};
  for (const sel of ['.cbw-root', '.cbw-input', '.cbw-button', '.cbw-hits', '.cbw-hit',
                     '.cbw-title', '.cbw-snippet', 'mark', '.cbw-status']) {
    const s = getComputedStyle(root.querySelector(sel));
    out[sel] = props.map(p => s[p]);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_world(tmp_path_factory.mktemp("browser"), FIXTURE_CASES)
    pages: dict[str, str] = {}
    with live_server(app) as api, page_server(pages) as host, \
            page_server(pages, host="127.0.0.3") as stranger, launch_chromium() as browser:
        app.config.update(CORS_ORIGINS=[host], FRAME_ANCESTORS=[host])  # narrowed
        pages.update({
            "/widget.html": HOST_PAGE.format(api=api, style="", attrs=' data-limit="5"'),
            "/filtered.html": HOST_PAGE.format(
                api=api, style="", attrs=' data-city="丁市" data-color="#123456" '
                                         'data-placeholder="搜本市的案例" data-target="_self"'),
            "/aggressive.html": HOST_PAGE.format(api=api, style=AGGRESSIVE_CSS, attrs=""),
            "/iframe.html": IFRAME_PAGE.format(api=api),
        })
        yield SimpleNamespace(app=app, api=api, host=host, stranger=stranger, browser=browser)


@pytest.fixture
def context(world):
    ctx = world.browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 800})
    yield ctx
    ctx.close()


def search_in_widget(page, query: str) -> None:
    page.locator(".casebase-widget input.cbw-input").fill(query)
    page.keyboard.press("Enter")


def test_widget_searches_highlights_and_opens_a_case(world, context, tmp_path):
    page = context.new_page()
    page.goto(world.host + "/widget.html")
    assert page.locator(".casebase-fallback").count() == 0  # the link was replaced
    page.screenshot(path=tmp_path / "1-widget-loaded.png", full_page=True)
    search_in_widget(page, "光伏")
    page.locator(".cbw-hit").first.wait_for()
    status = page.locator(".cbw-status").text_content()
    assert status.startswith("找到 ") and "篇直接相关的案例" in status
    marks = page.evaluate("""() => Array.from(document.querySelector('.casebase-widget')
        .shadowRoot.querySelectorAll('.cbw-hit mark'), m => m.textContent)""")
    assert marks and all("光伏" in m for m in marks)
    assert page.evaluate("document.querySelectorAll('mark').length") == 0  # not in the host DOM
    page.screenshot(path=tmp_path / "2-widget-results.png", full_page=True)
    first = page.locator(".cbw-hit a.cbw-title").first
    assert first.get_attribute("target") == "_blank"
    with context.expect_page() as opened:
        first.click()
    case = opened.value
    case.wait_for_load_state()
    assert case.url == world.api + "/cases/yangguang-solar"
    assert "阳光村" in case.locator("h1").text_content()
    case.screenshot(path=tmp_path / "3-case-opened.png")


def test_widget_says_when_nothing_answers_and_folds_related_hits(world, context, tmp_path):
    page = context.new_page()
    page.goto(world.host + "/widget.html")
    search_in_widget(page, "区块链数字货币")
    page.locator(".cbw-related").wait_for()
    status = page.locator(".cbw-status").text_content()
    assert status.startswith("案例库里还没有直接回答这个问题的案例")
    related = page.locator("details.cbw-related")
    assert related.get_attribute("open") is None  # collapsed until the reader opens it
    assert not page.locator(".cbw-related .cbw-hit").first.is_visible()
    page.locator(".cbw-related-title").click()
    assert page.locator(".cbw-related .cbw-hit").first.is_visible()
    page.screenshot(path=tmp_path / "widget-related.png", full_page=True)
    frame_page = context.new_page()
    frame_page.goto(world.host + "/iframe.html")
    frame = frame_page.frame_locator("#cb")
    frame.locator("input[name=q]").fill("区块链数字货币")
    frame.locator("input[name=q]").press("Enter")
    frame.locator("details.cbw-related").wait_for()
    assert "还没有直接回答" in frame.locator(".cbw-status").text_content()


def test_widget_is_keyboard_accessible(world, context, tmp_path):
    page = context.new_page()
    page.goto(world.host + "/widget.html")
    page.locator(".casebase-widget .cbw-input").wait_for()
    page.keyboard.press("Tab")  # the first focusable thing on the host page is the widget
    page.keyboard.type("光伏")
    page.keyboard.press("Enter")
    page.locator(".cbw-hit").first.wait_for()
    assert page.locator(".cbw-status").get_attribute("aria-live") == "polite"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const a = document.querySelector('.casebase-widget')
        .shadowRoot.activeElement; return [a.className, a.textContent,
        getComputedStyle(a).outlineStyle]; }""")
    assert focused[0] == "cbw-title" and "阳光村" in focused[1] and focused[2] != "none"
    page.screenshot(path=tmp_path / "keyboard-focus.png", full_page=True)


def test_widget_options_filter_theme_and_target(world, context, tmp_path):
    page = context.new_page()
    page.goto(world.host + "/filtered.html")
    box = page.locator(".casebase-widget .cbw-input")
    assert box.get_attribute("placeholder") == "搜本市的案例"
    search_in_widget(page, "光伏")  # 长水村 (甲市) matches too, but this widget is for 丁市
    page.locator(".cbw-hit").first.wait_for()
    titles = page.locator(".cbw-hit a.cbw-title").all_text_contents()
    assert len(titles) == 1 and "阳光村" in titles[0]
    assert page.locator(".cbw-status").text_content() == "找到 1 篇直接相关的案例"
    button_bg = page.locator(".cbw-button").evaluate("b => getComputedStyle(b).backgroundColor")
    assert button_bg == "rgb(18, 52, 86)"
    page.screenshot(path=tmp_path / "options.png", full_page=True)
    page.locator(".cbw-hit a.cbw-title").first.click()  # data-target="_self": same tab
    page.wait_for_url(world.api + "/cases/**")


def test_hostile_case_text_is_shown_as_text(world, context):
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(world.host + "/widget.html")
    search_in_widget(page, "恶意内容")
    page.locator(".cbw-hit").first.wait_for()
    assert "<script>" in page.locator(".cbw-title").first.text_content()
    assert page.evaluate("""() => document.querySelector('.casebase-widget').shadowRoot
        .querySelectorAll('script, img').length""") == 0
    assert dialogs == []


def test_unlisted_origin_gets_no_results_and_a_fallback_link(world, context, tmp_path):
    page = context.new_page()
    page.goto(world.stranger + "/widget.html")
    search_in_widget(page, "光伏")
    error = page.locator(".cbw-status.cbw-error")
    error.wait_for()
    assert "暂时无法连接" in error.text_content() and page.locator(".cbw-hit").count() == 0
    link = error.locator("a")
    assert link.text_content() == "到“村案通”网站搜索"
    assert link.get_attribute("href") == world.api + "/search?q=%E5%85%89%E4%BC%8F"
    page.screenshot(path=tmp_path / "cors-denied.png", full_page=True)


def test_aggressive_host_css_does_not_break_the_widget(world, context, tmp_path):
    styles = {}
    for name in ("widget", "aggressive"):
        page = context.new_page()
        page.goto(f"{world.host}/{name}.html")
        search_in_widget(page, "流转")
        page.locator(".cbw-hit").nth(1).wait_for()
        styles[name] = page.evaluate(STYLES_JS, ".casebase-widget")
        boxes = [page.locator(".cbw-hit").nth(i).bounding_box() for i in (0, 1)]
        assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1  # stacked, not inline
        assert page.locator(".cbw-input").bounding_box()["width"] > 200
        page.screenshot(path=tmp_path / f"{name}-css.png", full_page=True)
    assert styles["aggressive"] == styles["widget"]
    assert styles["aggressive"][".cbw-hit"][0] == "block"
    assert styles["aggressive"][".cbw-title"][1] == "16px"


def test_old_browser_fallbacks_hold_against_aggressive_css(world, tmp_path):
    """No shadow DOM and no document.currentScript (older WebViews): the fallbacks carry it."""
    ctx = world.browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 800})
    ctx.add_init_script("delete Element.prototype.attachShadow;"
                        "Object.defineProperty(Document.prototype, 'currentScript',"
                        " {get: function () { return null; }});")
    try:
        page = ctx.new_page()
        page.goto(world.host + "/aggressive.html")
        assert page.evaluate("document.querySelector('.casebase-widget').shadowRoot") is None
        search_in_widget(page, "流转")
        page.locator(".cbw-hit").nth(1).wait_for()
        style = page.locator(".cbw-title").first.evaluate(
            "t => [getComputedStyle(t).display, getComputedStyle(t).fontSize]")
        assert style == ["block", "16px"]
        mark_bg = page.locator(".cbw-hit mark").first.evaluate(
            "m => getComputedStyle(m).backgroundColor")
        assert mark_bg == "rgb(255, 226, 138)"  # the widget's highlight, not the host's black
        boxes = [page.locator(".cbw-hit").nth(i).bounding_box() for i in (0, 1)]
        assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1
        page.screenshot(path=tmp_path / "old-browser-aggressive-css.png", full_page=True)
    finally:
        ctx.close()


def test_without_javascript_readers_get_a_plain_link(world, tmp_path):
    ctx = world.browser.new_context(java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(world.host + "/widget.html")
        link = page.locator("a.casebase-fallback")
        assert link.is_visible() and link.get_attribute("href") == world.api + "/search"
        page.screenshot(path=tmp_path / "no-javascript.png", full_page=True)
        link.click()
        page.wait_for_url(world.api + "/search")
        assert page.locator("form.searchbox input[name=q]").is_visible()
    finally:
        ctx.close()


def test_iframe_variant_searches_and_opens_a_case(world, context, tmp_path):
    page = context.new_page()
    page.goto(world.host + "/iframe.html")
    frame = page.frame_locator("#cb")
    frame.locator("input[name=q]").fill("光伏")
    frame.locator("input[name=q]").press("Enter")
    frame.locator(".cbw-hit").first.wait_for()
    assert "光伏" in frame.locator(".cbw-hit mark").first.text_content()
    assert "找到" in frame.locator(".cbw-status").text_content()
    page.screenshot(path=tmp_path / "iframe-results.png", full_page=True)
    with context.expect_page() as opened:
        frame.locator(".cbw-hit a.cbw-title").first.click()
    case = opened.value
    case.wait_for_load_state()
    assert case.url == world.api + "/cases/yangguang-solar"
    case.screenshot(path=tmp_path / "iframe-case-opened.png")


def test_iframe_is_refused_on_unlisted_sites(world, context, tmp_path):
    page = context.new_page()
    page.goto(world.stranger + "/iframe.html")
    page.wait_for_load_state("load")
    child = [f for f in page.frames if f != page.main_frame]
    assert child and not child[0].url.startswith(world.api)  # Chromium's error page instead
    assert page.frame_locator("#cb").locator("input[name=q]").count() == 0
    page.screenshot(path=tmp_path / "iframe-refused.png", full_page=True)


def test_help_page_preview_works(world, context, tmp_path):
    page = context.new_page()
    page.goto(world.api + "/embed/help?province=测试省")
    snippet = page.locator("pre.snippet code").first.text_content()
    assert world.api + "/widget.js" in snippet and 'data-province="测试省"' in snippet
    search_in_widget(page, "光伏")
    page.locator(".embed-preview .cbw-hit").first.wait_for()
    frame = page.frame_locator(".embed-preview iframe")
    frame.locator("input[name=q]").wait_for()
    page.screenshot(path=tmp_path / "help-page.png", full_page=True)


def test_help_page_snippets_work_on_another_site_by_default(world, tmp_path_factory, tmp_path):
    """Out of the box (no CORS_ORIGINS, no FRAME_ANCESTORS), pasting the help page's two
    snippets into a page on another origin gives results in the widget and in the iframe."""
    app = make_world(tmp_path_factory.mktemp("default-embed"), FIXTURE_CASES)
    pages: dict[str, str] = {}
    with live_server(app) as api, page_server(pages) as host:
        ctx = world.browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 900})
        help_page = ctx.new_page()
        help_page.goto(api + "/embed/help")
        widget, iframe = [c.text_content() for c in help_page.locator("pre.snippet code").all()]
        assert api + "/widget.js" in widget and api + "/embed" in iframe
        pages["/paste.html"] = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                                f"<title>某县党建网</title></head><body><h1>学习园地</h1>{widget}"
                                f"<h2>iframe</h2>{iframe}</body></html>")
        page = ctx.new_page()
        page.goto(host + "/paste.html")
        search_in_widget(page, "光伏")
        page.locator(".cbw-hit").first.wait_for()
        assert "光伏" in page.locator(".cbw-hit mark").first.text_content()
        assert page.locator(".cbw-error").count() == 0
        frame = page.frame_locator("iframe")
        frame.locator("input[name=q]").fill("光伏")
        frame.locator("input[name=q]").press("Enter")
        frame.locator(".cbw-hit").first.wait_for()
        assert "光伏" in frame.locator(".cbw-hit mark").first.text_content()
        page.screenshot(path=tmp_path / "pasted-snippets.png", full_page=True)
        ctx.close()
