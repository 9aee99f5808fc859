"""Charts drawn on the server: collective income before/after, and counts for the home page.

One `Chart` holds the numbers (which pages also show as a table, the chart's text equivalent)
and renders them with matplotlib as SVG for pages and the print handout, or PNG for Word.
Text stays text in the SVG (svg.fonttype none), so a PDF printed from the page still holds every
label and number; Chinese renders with WenQuanYi Micro Hei (Debian fonts-wqy-microhei).
No Flask here: the web views, the handouts and the CLI all call these functions.
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import asdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from handouts.chart_data import KINDS
from handouts.chart_data import Bar
from handouts.chart_data import income_row
from handouts.chart_data import kind_bars

FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # Debian fonts-wqy-microhei
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
# What a browser tries for the SVG's text, first found wins (matplotlib itself draws with the
# first of these it has, for the PNG and for measuring).
FONT_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC",
                 "SimHei", "sans-serif")
SVG_FONTS = ", ".join(f"'{f}'" if " " in f else f for f in FONT_FAMILIES)
INK, MUTED, BEFORE, AFTER, INCREASE = "#222222", "#666666", "#b9a27a", "#8e1515", "#d98c5f"
_LOCK = threading.Lock()  # matplotlib's font cache and rcParams are process-wide


@dataclass(frozen=True)
class Chart:
    """What a chart says: title, unit and bars; `svg()` and `png()` draw it."""

    key: str  # unique on a page: SVG ids and the caption's id derive from it
    title: str
    unit: str
    bars: tuple[Bar, ...]
    notes: tuple[str, ...] = ()
    # inches at 72 dpi: narrow enough that a 390 px phone shows the SVG at full size or larger
    # (labels stay at least 12 px); a wider box scales it up.
    width: float = 4.2

    @property
    def description(self) -> str:
        """The chart as one sentence, for aria-label, Word alt text and the PDF's text."""
        parts = [f"{b.group}{b.label}{b.text}" for b in self.bars]
        return f"{self.title}：" + "；".join(parts + list(self.notes)) + "。"

    def svg(self) -> str:
        return _render_svg(self)

    def png(self, dpi: int = 200) -> bytes:
        return _render(self, "png", dpi)


def income_charts(cases: list[dict], key: str = "income") -> tuple[list[Chart], list[str]]:
    """One chart per kind of income figure the cases state, and sentences for what is not drawn.

    A kind with a single bar says nothing a chart adds: it becomes a sentence instead.
    """
    charts: list[Chart] = []
    sentences: list[str] = []
    per_case = [kind_bars(c) for c in cases]
    rows = {r.name: r for r in (income_row(c) for c in cases) if r is not None}
    for kind in KINDS:
        bars = tuple(b for found in per_case for b in found[kind])
        if len(bars) == 1:
            sentences.append(_sentence(kind, bars[0]))
        elif bars:
            notes = tuple(f"{rows[n].name}：{rows[n].change}"
                          for n in dict.fromkeys(b.group for b in bars)
                          if kind == "level" and n in rows and rows[n].before)
            charts.append(Chart(f"{key}-{kind}", _title(kind, bars), UNITS[kind], bars, notes))
    return charts, sentences


UNITS = {"level": "万元", "increase": "万元", "growth": "%"}


def _title(kind: str, bars: tuple[Bar, ...]) -> str:
    if kind == "level":
        return "村级集体经济收入（万元）"
    if kind == "increase":  # the source's own words, 增收 and/or 创收
        return "村级集体经济" + "、".join(dict.fromkeys(b.label for b in bars)) + "（万元）"
    return "村级集体经济收入增长率（%）"


def _sentence(kind: str, bar: Bar) -> str:
    if kind == "level":
        return f"{bar.group}：{bar.label}村级集体经济收入{bar.text}。"
    if kind == "increase":
        return f"{bar.group}：村级集体经济{bar.label}{bar.text}。"
    return f"{bar.group}：村级集体经济收入{bar.label}增长{bar.text}。"


def count_chart(key: str, title: str, counts: list[tuple[str, int]]) -> Chart | None:
    """Horizontal bars of how many cases have each value (home page overview)."""
    bars = tuple(Bar("", label, float(n), f"{n}篇", "count") for label, n in counts)
    return Chart(key, title, "篇", bars) if bars else None


def _render_svg(chart: Chart) -> str:
    """Inline SVG: scales to its box, named by its title, read out as one description."""
    raw = _render(chart, "svg", 72).decode("utf-8")
    raw = raw[raw.index("<svg"):]
    named = rf'<svg \1class="chart" role="img" aria-labelledby="{chart.key}-desc"'
    raw = re.sub(r'<svg ([^>]*?)width="[\d.]+pt" height="[\d.]+pt"', named, raw, count=1)
    raw = re.sub(r"\s*<metadata>.*?</metadata>", "", raw, count=1, flags=re.S)
    raw = re.sub(r"font-family: [^;\"]*", f"font-family: {SVG_FONTS}", raw)
    # The site's Content-Security-Policy (style-src 'self') ignores inline styles, which would
    # paint every shape black; SVG presentation attributes say the same and are allowed.
    raw = re.sub(r"\s*<defs>\s*<style[^>]*>[^<]*</style>\s*</defs>", "", raw, count=1)
    raw = _STYLE_RE.sub(_style_to_attributes, raw)
    # Inline in HTML the parser supplies the SVG namespace; the URIs would only look like links.
    raw = re.sub(r' (xmlns(:xlink)?|version)="[^"]*"', "", raw[: raw.index(">")]) + raw[
        raw.index(">"):]
    raw = raw.replace("xlink:href=", "href=")
    # ids (figure_1, clip paths, markers) must stay unique when a page holds several charts
    raw = re.sub(r'( id="|url\(#|href="#)', rf"\g<1>{chart.key}-", raw)
    title = f'<title id="{chart.key}-desc">{_escape(chart.description)}</title>'
    return raw.replace(">", ">" + title, 1)


_STYLE_RE = re.compile(r' style="([^"]*)"')


def _style_to_attributes(match: re.Match) -> str:
    pairs = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return "".join(f' {k.strip()}="{v.strip()}"' for k, v in pairs)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=256)
def _render(chart: Chart, fmt: str, dpi: int) -> bytes:
    import matplotlib  # imported on first use: it adds seconds to every process start

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with _LOCK, matplotlib.rc_context(_style()):
        groups = len({b.group for b in chart.bars})
        height = 1.0 + 0.4 * len(chart.bars) + 0.2 * (groups - 1) + 0.25 * len(chart.notes)
        fig = Figure(figsize=(chart.width, height),
                     layout="constrained")
        _draw(fig.add_subplot(), chart)
        out = io.BytesIO()
        meta = {"Date": None} if fmt == "svg" else {}
        fig.savefig(out, format=fmt, dpi=dpi, metadata=meta)
    return out.getvalue()


@lru_cache(maxsize=1)
def _style() -> dict:
    from matplotlib import font_manager

    for path in FONT_FILES:
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
    known = {f.name for f in font_manager.fontManager.ttflist}
    # Only families this machine has: matplotlib logs a warning per missing family per text.
    families = [f for f in FONT_FAMILIES if f in known] or ["sans-serif"]
    return {"font.family": families, "svg.fonttype": "none", "svg.hashsalt": "casebase",
            "font.size": 12, "axes.edgecolor": MUTED, "text.color": INK,
            "axes.labelcolor": INK, "xtick.color": MUTED, "ytick.color": INK}


def _draw(ax, chart: Chart) -> None:
    """Horizontal bars, top to bottom in reading order, each labelled with the source's text."""
    from matplotlib.ticker import MaxNLocator

    ys, y = [], 0.0
    for i, bar in enumerate(chart.bars):  # a half-bar gap between cases
        y -= 1.0 if i == 0 or bar.group == chart.bars[i - 1].group else 1.5
        ys.append(y)
    colours = [{"before": BEFORE, "after": AFTER, "increase": INCREASE}.get(b.kind, AFTER)
               for b in chart.bars]
    ax.barh(ys, [b.value for b in chart.bars], color=colours, height=0.62)
    one_case = len({b.group for b in chart.bars}) == 1  # the title is the case's own page
    ax.set_yticks(ys, [b.label if one_case else f"{b.group} {b.label}".strip()
                       for b in chart.bars])
    top = max((b.value for b in chart.bars), default=1) or 1
    for y, bar in zip(ys, chart.bars, strict=True):
        ax.text(bar.value + top * 0.01, y, bar.text, va="center", fontsize=12)
    ax.set_xlim(0, top * 1.45)  # room for the value labels
    if chart.unit == "篇":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    # The title starts at the figure's left edge: long bar labels push the axes to the right.
    ax.figure.suptitle(chart.title, x=0.01, ha="left", fontsize=13)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    if chart.notes:
        ax.set_xlabel("\n".join(chart.notes), loc="left", fontsize=12, color=MUTED)


def chart_dict(chart: Chart | None) -> dict | None:
    """The chart's numbers for a JSON twin; `chart_svg` draws the same dict on a page."""
    if chart is None:
        return None
    return {"key": chart.key, "title": chart.title, "unit": chart.unit,
            "description": chart.description, "bars": [asdict(b) for b in chart.bars],
            "notes": list(chart.notes), "width": chart.width}


def income_block(cases: list[dict], key: str) -> dict:
    """What a page shows of the cases' income: `charts` (JSON-ready) and `sentences`."""
    charts, sentences = income_charts(cases, key)
    return {"charts": [chart_dict(c) for c in charts], "sentences": sentences}


def chart_from_dict(data: dict) -> Chart:
    return Chart(data["key"], data["title"], data["unit"],
                 tuple(Bar(**b) for b in data["bars"]), tuple(data.get("notes", ())),
                 width=data.get("width", Chart.width))


def chart_svg(data: dict | None) -> str:
    """Inline SVG markup for a `chart_dict` (empty when there is no chart); text is escaped."""
    return chart_from_dict(data).svg() if data else ""
