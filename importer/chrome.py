"""Page chrome that is not the article: menus, breadcrumbs, share and print links, bylines of the
page (not of the article), footers, and lists of other articles' headlines.

Web pages go through a boilerplate remover first (importer/html.py); these line rules catch what
it keeps, and are the only defence for a web page printed to PDF, where the chrome is plain text.
"""

from __future__ import annotations

import re
from collections import Counter

BOILERPLATE_RE = re.compile(
    r"责任编辑|编辑[:：]|校对[:：]|审核[:：]|来源[:：].{0,30}(?:发布|时间|日期|作者)|发布时间[:：]|"
    r"发布日期[:：]|浏览(?:次数|量)|阅读[:：]?\s*\d|点击数|字号[:：]|【\s*(?:打印|关闭|收藏|字体)|"
    r"分享到|分享[:：]|扫一扫|上一篇|下一篇|版权所有|copyright|©|ICP\s*备|ICP\s*证|公网安备|"
    r"网站标识码|主办[:：]|承办[:：]|协办[:：]|技术支持[:：]|联系电话|联系我们|网站地图|当前位置|您的位置|"
    r"首页\s*[>＞»]|索\s*引\s*号|发布机构|主题分类|发文日期|成文日期|返回(?:本版|目录|顶部|首页|列表)|"
    r"往期回顾|版面导航|标题导航|上一版|下一版|上一期|下一期|^第\s*\d+\s*版[:：]|分辨率|"
    r"违法和不良信息|举报(?:电话|邮箱)|无障碍|长者模式|^今天是|客户端下载|站内搜索|^标签[:：]|"
    r"^关键词[:：]|网络传播视听节目|新闻信息服务许可",
    re.IGNORECASE)
RELATED_HEAD_RE = re.compile(
    r"^(?:相关(?:新闻|阅读|信息|链接|文章|报道|推荐)|推荐阅读|延伸阅读|热点(?:排行|新闻|推荐|文章)?|"
    r"热门(?:文章|新闻|推荐)|猜你喜欢|本版标题导航|更多(?:新闻|阅读|文章)|最新(?:新闻|文章|动态)|"
    r"精彩推荐|图片新闻|专题|排行榜?|往期精彩|编辑推荐)\s*$")
DATED_HEADLINE_RE = re.compile(r"^.{4,60}?\s*[\[(（]?(?:19|20)\d\d\s*[-./年]\s*\d{1,2}\s*[-./月]\s*"
                               r"\d{1,2}\s*日?[\])）]?$")
SENTENCE_END_RE = re.compile(r"[。！？!?；;]")


def is_boilerplate(line: str) -> bool:
    """A line of the page rather than of the article."""
    text = line.strip()
    if not text:
        return True
    if RELATED_HEAD_RE.match(text):
        return True
    if len(text) <= 100 and BOILERPLATE_RE.search(text) and not text.endswith("。"):
        return True
    if DATED_HEADLINE_RE.match(text) and not SENTENCE_END_RE.search(text):
        return True
    items = [x for x in re.split(r"\s*[|｜]\s*|\s{2,}", text) if x]
    return len(items) >= 3 and all(len(x) <= 8 for x in items)  # 网站地图 | 联系我们 | …


def drop_chrome(lines: list[str]) -> list[str]:
    """The lines without the page's chrome: boilerplate lines, the headlines listed after a
    "related news" heading, and runs of three or more menu items."""
    out: list[str] = []
    in_related = False
    menu: list[str] = []
    for line in lines:
        text = line.strip()
        if RELATED_HEAD_RE.match(text):
            in_related = True
            continue
        if in_related:
            if len(text) <= 40 and not re.search(r"[。！？!?；;，,]", text):
                continue  # another headline
            in_related = False
        if is_boilerplate(text):
            continue
        if len(text) <= 8 and not SENTENCE_END_RE.search(text) and not re.search(r"[，,]", text):
            menu.append(line)
            continue
        out.extend(menu if len(menu) < 3 else [])
        menu = []
        out.append(line)
    out.extend(menu if len(menu) < 3 else [])
    return out


def repeated_lines(pages: list[list[str]]) -> set[str]:
    """Lines printed on most pages (running headers and footers), digits ignored."""
    if len(pages) < 2:
        return set()
    counts: Counter = Counter()
    for page in pages:
        counts.update({re.sub(r"\d+", "#", x.strip()) for x in page if x.strip()})
    need = max(2, (len(pages) + 1) // 2)
    return {k for k, n in counts.items() if n >= need}
