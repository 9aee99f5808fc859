"""The print handout in a real Chromium: printed to A4 PDF, its text read back with pypdf."""

import re
from io import BytesIO

import pytest
from browser_support import launch_chromium
from browser_support import live_server
from pypdf import PdfReader

from handouts.content import discussion_questions
from handouts.pack import Pack
from handouts.pack import encode

TRIO = ["shaoyuan-training-centre", "yintian-industrial-park", "changhu-company"]
# Figures as the sheets print them (figure_text), one or more per case, in the corrected wording
# (issue 11): the 100万余元 belongs to the whole chain, 62户 keeps the source's 外包租赁.
FIGURES = {
    "shaoyuan-training-centre": ["40余户", "100万余元", "培训中心和农家体验园等做法合计"],
    "yintian-industrial-park": ["750余亩", "外包租赁村民闲置房屋62户", "2789亩", "516户",
                                "近20万元"],
    "changhu-company": ["5万元（2020年）", "50万元", "吸纳就业的农户30余户"],
}
# What each case's income chart says, read back from its SVG text in the PDF.
CHART_TEXT = {
    "shaoyuan-training-centre": ["增收", "100万余元"],
    "yintian-industrial-park": ["增收", "近20万元"],
    "changhu-company": ["2020年", "报告时", "长湖村：增加45万元，为2020年的10倍"],
}


def squash(text: str) -> str:
    """Drop whitespace: the PDF breaks long titles across lines."""
    return re.sub(r"\s+", "", text)


@pytest.mark.browser
def test_print_handout_pdf_holds_titles_figures_and_sources(shipped_app, shipped_client):
    token = encode(Pack("三资盘活专题", "", tuple(TRIO)))
    cases = [shipped_client.get(f"/api/v1/cases/{slug}").get_json() for slug in TRIO]
    with live_server(shipped_app) as base, launch_chromium() as browser:
        page = browser.new_page()
        page.goto(f"{base}/pack/handout?p={token}", wait_until="load")
        pdf = page.pdf(format="A4", print_background=True)
    reader = PdfReader(BytesIO(pdf))
    pages = [squash(p.extract_text()) for p in reader.pages]
    text = "".join(pages)
    assert len(pages) >= 1 + len(TRIO)  # a cover, then each case starts on a new sheet
    assert "三资盘活专题" in pages[0] and "\ufffd" not in text
    for case in cases:
        # Every Chinese character of the title comes back: no glyph went missing.
        assert squash(case["title"]) in text
        assert squash(case["citation"]) in text
        for figure in FIGURES[case["id"]]:
            assert figure in text, (case["id"], figure)
        for words in CHART_TEXT[case["id"]]:
            assert words in text, (case["id"], words)
    assert text.count("村级集体经济收入（万元）") == 1  # only 长湖村 states two income levels
    # the source sentences behind the figures are printed too (数字出处)
    assert text.count("数字出处") == len(TRIO)
    assert squash("村级集体经济收入从2020年的5万元增长至现在的50万元。") in text
    # pages[0] is the cover with the contents; each case sheet starts on a page of its own
    starts = [next(i for i, p in enumerate(pages) if i and f"案例{n}·" in p)
              for n in range(1, len(TRIO) + 1)]
    assert starts == sorted(set(starts))
    assert all(squash(c["title"]) in pages[i] for c, i in zip(cases, starts, strict=True))
    assert "返回素材包" not in text  # the screen toolbar is not printed
    # 讨论题 for every case, from its own facts (the first one names the case)
    assert text.count("讨论题") == len(TRIO)
    for case in cases:
        assert squash(discussion_questions(case)[0]) in text, case["id"]
