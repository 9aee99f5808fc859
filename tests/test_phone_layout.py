"""The site on a 390 px phone in a real Chromium: the filter jump shows, nothing is wider than
the screen, chart labels are readable, tap targets are tall enough, the header is one row."""

import pytest
from browser_support import launch_chromium
from browser_support import live_server

from handouts.pack import Pack
from handouts.pack import encode

pytestmark = pytest.mark.browser
TRIO = ["changhu-company", "yintian-industrial-park", "shaoyuan-training-centre"]
PAGES = ["/", "/search?q=闲置村部", "/cases/changhu-company", "/recommend", "/embed/help",
         f"/compare?ids={','.join(TRIO)}", "/pack?p=" + encode(Pack("专题", "", tuple(TRIO)))]


# Links and buttons a thumb must hit (text links inside sentences and titles are exempt).
TAP_TARGETS = (".nav-menu summary, .jump-filters, .facets li a, .browse-facet li a, "
               ".hit .meta a, .pager a, .examples a, .actions a, main button, .searchbox input")
TAP_TARGETS_JS = f"""() => [...document.querySelectorAll('{TAP_TARGETS}')]
    .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
    .map(e => [e.textContent.trim().slice(0, 20), e.getBoundingClientRect().height])
    .filter(([t, h]) => h < 44)"""


@pytest.fixture(scope="module")
def phone(shipped_app):
    with live_server(shipped_app) as base, launch_chromium() as browser:
        ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
        yield base, ctx
        ctx.close()


def test_filter_jump_shows_on_a_phone_and_reaches_the_filters(phone, tmp_path):
    base, ctx = phone
    page = ctx.new_page()
    page.goto(base + "/search?q=闲置村部")
    jump = page.locator("a.jump-filters")
    assert jump.is_visible()
    assert jump.bounding_box()["height"] >= 44
    page.screenshot(path=tmp_path / "search-390.png", full_page=True)
    jump.click()
    page.wait_for_function("() => location.hash === '#filters'")
    top = page.evaluate("() => document.getElementById('filters').getBoundingClientRect().top")
    assert abs(top) < 5  # the filters are now at the top of the screen
    # wide screens show the filters beside the results: no jump link there
    wide = ctx.browser.new_page(viewport={"width": 1280, "height": 900})
    wide.goto(base + "/search?q=闲置村部")
    assert not wide.locator("a.jump-filters").is_visible()
    wide.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_page_is_wider_than_a_phone(phone, path, tmp_path):
    base, ctx = phone
    page = ctx.new_page()
    page.goto(base + path)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, (path, width)
    header = page.locator("header.site").bounding_box()
    assert header["height"] <= 60  # one row: brand and a 菜单 button
    small = page.evaluate(TAP_TARGETS_JS)
    assert small == [], (path, small)
    page.screenshot(path=tmp_path / "page-390.png", full_page=True)


@pytest.mark.parametrize("path", ["/cases/changhu-company", f"/compare?ids={','.join(TRIO)}", "/"])
def test_chart_labels_are_at_least_12px_on_a_phone(phone, path):
    base, ctx = phone
    page = ctx.new_page()
    page.goto(base + path)
    sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart text')]
        .filter(t => t.getClientRects().length)
        .map(t => t.getBoundingClientRect().height)""")
    assert sizes and min(sizes) >= 12, (path, sorted(sizes)[:5])


def test_comparison_is_stacked_cards_with_differences_marked(phone, tmp_path):
    base, ctx = phone
    page = ctx.new_page()
    page.goto(f"{base}/compare?ids={','.join(TRIO)}")
    cards = page.locator(".compare-card")
    assert cards.count() == 3 and not page.locator(".compare-table").is_visible()
    assert cards.first.locator(".row-differs .row-mark").first.text_content() == "不同"
    boxes = [cards.nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]  # stacked, not side by side
    page.screenshot(path=tmp_path / "compare-390.png", full_page=True)
