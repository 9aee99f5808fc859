"""How pages are delivered: compressed, with a favicon, a description, an <h1> and a <main>,
and static files cached for long under versioned URLs."""

import re

import pytest

PUBLIC_PAGES = ["/", "/search?q=光伏", "/search?q=区块链数字货币xyz", "/cases/changshui-company",
                "/recommend", "/recommend/results?resources=抛荒地", "/pack", "/embed/help",
                "/embed", "/embed?q=光伏", "/no-such-page"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_page_has_one_h1_and_a_main(client, path):
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert len(re.findall(r"<h1[ >]", html)) == 1, path
    assert len(re.findall(r"<main[ >]", html)) == 1, path


def test_pages_are_compressed_when_the_client_accepts_it(client):
    for path in ("/", "/api/v1/search?q=光伏"):
        plain = client.get(path)
        packed = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["Content-Encoding"] == "gzip"
        assert len(packed.data) < len(plain.data) / 2
        assert "Content-Encoding" not in plain.headers


def test_favicon_description_and_long_cache_for_versioned_static(client):
    html = client.get("/").get_data(as_text=True)
    assert '<meta name="description" content="村案通' in html
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    css = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    assert "?v=" in icon and "?v=" in css  # the URL changes when the file does
    favicon = client.get("/favicon.ico", follow_redirects=True)
    assert favicon.status_code == 200 and favicon.mimetype == "image/svg+xml"
    resp = client.get(css)
    assert resp.cache_control.max_age == 365 * 24 * 3600 and resp.cache_control.immutable
    unversioned = client.get("/static/style.css")
    assert unversioned.cache_control.max_age != 365 * 24 * 3600
    for r in (favicon, resp, unversioned):
        r.close()


def test_home_speaks_plainly_and_hides_facets_that_cannot_narrow(client):
    html = client.get("/").get_data(as_text=True)
    assert "地没人种怎么办" in html and "闲置的村小学能干啥" in html
    facets = client.get("/", headers={"Accept": "application/json"}).get_json()
    total = facets["total"]
    for key, facet in facets["facets"].items():
        values = facet["values"]
        if len(values) == 1 and values[0]["count"] == total:
            assert f"<h3>{facet['label']}</h3>" not in html, key


def test_pagination_counts_the_direct_results_it_shows(client):
    args = {"q": "光伏发电 合作社", "per_page": "1"}
    data = client.get("/search", query_string=args,
                      headers={"Accept": "application/json"}).get_json()
    html = client.get("/search", query_string=args).get_data(as_text=True)
    assert data["pages"] > data["total"] >= 1  # the engine pages related results too
    direct_pages = data["total"]  # one per page
    if direct_pages == 1:
        assert 'aria-label="分页"' not in html and "下一页" not in html
    else:
        assert f"第 1 / {direct_pages} 页" in html
