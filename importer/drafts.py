"""Build one `Draft` per unit: front matter whose every value has a source sentence behind it."""

from __future__ import annotations

import hashlib
import re

from analysis.figures import YEAR_RE
from analysis.figures import FoundFigure
from analysis.figures import figures_in
from importer.facets import suggest
from importer.model import Draft
from importer.region import Place
from importer.region import county_place
from importer.split import Unit
from importer.text import MAX_QUOTE
from importer.text import Sentence
from importer.text import Sentences
from importer.text import quote_at
from importer.text import sentences_in

OUTCOME_RE = re.compile(r"增长|增收|创收|收入|获评|入选|推广|推介|实现|达到|带动|提升|成效|清零")
QUOTED_RE = re.compile(r"“([^”]{2,20})”")


def subtract(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of `spans` outside every hole (a line of work minus its village examples)."""
    out = []
    for start, end in spans:
        pieces = [(start, end)]
        for h_start, h_end in (h for h in holes if h[0] < end and h[1] > start):
            pieces = [p for s, e in pieces for p in ((s, min(e, h_start)), (max(s, h_end), e))
                      if p[1] > p[0]]
        out.extend(pieces)
    return out


def unit_figures(text: str, spans, sentences: Sentences) -> list[tuple[FoundFigure, str]]:
    found = []
    for s in sentences_in(sentences, spans):
        for start, end in spans:
            lo, hi = max(start, s.start), min(end, s.end)
            if lo < hi:
                found += [(f, quote_at(text, sentences, f.start))
                          for f in figures_in(text, lo, hi, s.start)]
    return found


def figure_meta(fig: FoundFigure, quote: str) -> dict:
    value = int(fig.value) if float(fig.value).is_integer() else fig.value
    item = {"label": fig.label, "value": value, "unit": fig.unit}
    if fig.year:
        item["year"] = fig.year
    item["metric"] = fig.metric
    if fig.approx:
        item["approx"] = fig.approx
    item["quote"] = quote
    return item


def build_draft(unit: Unit, text: str, sentences: Sentences, vocab, place: Place,
                source_name: str, holes: list[tuple[int, int]], analyzer) -> Draft:
    own = subtract(unit.spans, holes) if unit.kind != "case" else unit.spans
    cited = sentences_in(sentences, unit.spans + unit.context)
    # A line of work lists its examples' models and resources, but not their numbers.
    facets = suggest(text, unit.spans, sentences, vocab, analyzer)
    figures, seen = [], set()
    for f, q in unit_figures(text, own, sentences):
        key = (f.start, f.value, f.unit)  # a figure read twice (overlapping spans) is one figure
        if key not in seen:
            seen.add(key)
            figures.append(figure_meta(f, q))
    region, region_quote = _region(unit, place, cited)
    own_text = "".join(text[s:e] for s, e in own)
    years = sorted({int(y) for m in YEAR_RE.finditer(own_text) for y in m.groups()
                    if y and 1949 <= int(y) <= 2100})  # the parser's range for case years
    title = _title(unit, text)
    meta = {
        "id": _slug(unit, source_name),
        "title": title,
        "kind": unit.kind,
        "region": region,
        "years": years,
        "models": list(facets["models"]),
        "industries": list(facets["industries"]),
        "resources": list(facets["resources"]),
    }
    if facets["terrain"]:
        meta["terrain"] = next(iter(facets["terrain"]))
    meta["tags"] = _tags(own_text, facets)
    meta["figures"] = figures
    meta["source"] = {"document": source_name[:300]}
    meta["summary"] = _summary(text, unit)
    meta["evidence"] = _evidence(facets, meta.get("terrain"), region_quote)
    meta = {k: v for k, v in meta.items() if v not in ([], {}, None)}
    body = _body(unit, text, cited)
    return Draft(meta["id"], title, unit.kind, meta, body, [s.text for s in cited])


def _evidence(facets: dict, terrain: str | None, region_quote: str | None) -> dict:
    """facet -> value -> sentence for every suggested value, and the sentence naming the place."""
    evidence = {k: v for k, v in facets.items() if v and k != "terrain"}
    if terrain:
        evidence["terrain"] = {terrain: facets["terrain"][terrain]}
    if region_quote:
        evidence["region"] = region_quote
    return evidence


def _region(unit: Unit, place: Place, cited: list[Sentence]) -> tuple[dict, str | None]:
    region = {"province": place.province, "city": place.city}
    quote = place.city_quote or place.province_quote
    if unit.kind == "case":
        known = county_place(unit.county) if unit.county else None
        if unit.province:  # the case's own chain of names (云南省普洱市思茅区南屏镇大开河村)
            region = {"province": unit.province, "city": unit.city}
            quote = None
        if known and (not region.get("province") or known[0] == region["province"]):
            region["province"], region["city"] = known
        region["county"] = unit.county
        if unit.name.endswith("村"):
            region["township"] = unit.township
            region["village"] = unit.name
        else:
            region["township"] = unit.name
        named = [s.text for s in cited if unit.name in s.text]
        quote = named[0] if named else quote
    region = {k: v for k, v in region.items() if v}
    quote = _cut_around(quote, unit.name, place)
    most = list(region.values())[-1] if region else None
    # The sentence must name the most specific place as written (湖南 is not 湖南省).
    return region, quote if most and quote and most in quote else None


def _cut_around(quote: str | None, name: str, place: Place) -> str | None:
    """A run-on sentence is quoted around the place it names, within the parser's limit."""
    if not quote or len(quote) <= MAX_QUOTE:
        return quote
    found = [quote.find(n) for n in (name, place.city or "", place.province or "") if n]
    at = max(min([i for i in found if i >= 0], default=0), 0)
    return quote[max(0, at - 300):at + 300]


def _display_name(unit: Unit) -> str:
    return f"{unit.county or ''}{unit.township or ''}{unit.name}"


def _title(unit: Unit, text: str) -> str:
    if unit.kind == "practice":
        return unit.name[:120]
    start, end = unit.spans[0]
    piece = text[start:end]
    if unit.kind == "overview":
        first = re.split(r"[。；！？]", piece)[0]
        return f"综述：{first[:40]}" + ("……" if len(first) > 40 else "")
    at = piece.find(unit.name)
    rest = piece[at + len(unit.name):] if at >= 0 else piece
    return f"{_display_name(unit)}：{first_clause(rest.lstrip('，：,: '))}"[:120].rstrip("：")


def first_clause(text: str) -> str:
    """Up to the first clause break outside quotation marks (“用好红色资源，带动……”经验入选)."""
    depth = 0
    for i, ch in enumerate(text):
        depth += {"“": 1, "《": 1, "”": -1, "》": -1}.get(ch, 0)
        if depth <= 0 and ch in "，；。！？,;!?\n":
            return text[:i]
    return text


def _summary(text: str, unit: Unit) -> str:
    joined = "".join(text[s:e] for s, e in sorted(unit.spans + unit.context))
    joined = re.sub(r"\s+", "", joined)
    if len(joined) <= 300:
        return joined
    cut = max(joined.rfind(p, 0, 300) for p in "。；")
    return joined[: cut + 1] if cut > 80 else joined[:300] + "……"


def _tags(own_text: str, facets: dict) -> list[str]:
    taken = {v for values in facets.values() for v in values}
    tags = []
    for m in QUOTED_RE.finditer(own_text):
        tag = m.group(1).strip()
        if tag not in taken and tag not in tags and "*" not in tag:
            tags.append(tag)
    return tags[:12]


def _slug(unit: Unit, source_name: str) -> str:
    """Stable for the same unit of the same document, so a re-import finds its earlier draft."""
    key = f"{source_name}\n{unit.kind}\n{unit.name}\n{unit.spans[0][0]}"
    return f"{unit.kind}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"


def _escape(text: str) -> str:
    return re.sub(r"([\\*_`#<>\[\]])", r"\\\1", text)


def _body(unit: Unit, text: str, cited: list[Sentence]) -> str:
    """Source clauses sorted into 主要做法 and 成效; the editor rewrites them."""
    spans = sorted(unit.spans + unit.context)
    doing, results = [], []
    for s in cited:
        part = "".join(text[max(a, s.start):min(b, s.end)] for a, b in spans
                       if max(a, s.start) < min(b, s.end))
        clauses = [c for c in re.split(r"[，；。]", part) if c.strip()]
        d = [c for c in clauses if not OUTCOME_RE.search(c)]
        r = [c for c in clauses if OUTCOME_RE.search(c)]
        if d:
            doing.append("，".join(d) + "。")
        if r:
            results.append("，".join(r) + "。")
    lines = []
    if unit.heading:
        nested = unit.heading.replace("“", "‘").replace("”", "’")  # quotes inside quotes
        lines += ["## 背景", "", f"报告在“{_escape(nested)}”部分举了这个例子。", ""]
    if doing:
        lines += ["## 主要做法", ""] + [f"- {_escape(x)}" for x in doing] + [""]
    if results:
        lines += ["## 成效", ""] + [f"- {_escape(x)}" for x in results] + [""]
    return "\n".join(lines) or _escape(_summary(text, unit))
