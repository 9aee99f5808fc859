"""Turn request arguments into a validated `SearchQuery`; user text is always plain text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

from search.numeric import EARLIER
from search.numeric import Condition
from search.numeric import read_numbers
from search.numeric import strip_conditions

MAX_QUERY_CHARS = 500
MAX_PAGE = 100
MAX_PER_PAGE = 50
DEFAULT_PER_PAGE = 10
MAX_INCOME_WAN = 1_000_000.0
MAX_FILTER_VALUES = 20
MAX_FILTER_CHARS = 60
# Facets a caller may filter on; several values of one facet mean "any of them".
LIST_FILTERS = ("kind", "province", "city", "county", "terrain", "models", "industries",
                "resources")
INCOME_BUCKETS = (("lt5", "5万元以下", 0, 5), ("5-20", "5–20万元", 5, 20),
                  ("20-50", "20–50万元", 20, 50), ("50-100", "50–100万元", 50, 100),
                  ("ge100", "100万元及以上", 100, None))
QUOTE_PAIRS = {'"': '"', "“": "”", "「": "」", "『": "』", "'": "'"}
# Lone surrogates (JSON "\ud800") cannot be encoded as UTF-8 for the model or the database.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff\ud800-\udfff]")


class QueryError(ValueError):
    """Bad request arguments: `errors` maps each parameter to a Chinese reason."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("；".join(f"{k}：{v}" for k, v in errors.items()))


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""  # the query as typed (cleaned), for display and logging
    terms_text: str = ""  # the text outside quotes, without the words of numeric conditions
    phrases: tuple[str, ...] = ()  # quoted phrases, matched word for word
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    income_min: float | None = None
    income_max: float | None = None
    conditions: tuple[Condition, ...] = ()  # numeric conditions read from the text
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def is_empty(self) -> bool:
        return not self.terms_text.strip() and not self.phrases and not self.conditions

    def describe(self) -> str:
        """A readable line saying what was searched, e.g. 搜索“光伏”，经营模式：土地流转."""
        parts = []
        if self.text:
            parts.append(f"搜索“{self.text}”")
        for key, values in self.filters.items():
            parts.append(f"{FILTER_LABELS[key]}：{'或'.join(values)}")
        if self.income_min is not None or self.income_max is not None:
            low = f"{self.income_min:g}" if self.income_min is not None else "0"
            high = f"{self.income_max:g}" if self.income_max is not None else "以上"
            parts.append(f"集体经济收入：{low}–{high}万元")
        return "，".join(parts) or "全部案例"

    def args(self, **changes) -> dict[str, list[str] | str]:
        """URL arguments reproducing this query, with `changes` applied (for links)."""
        out: dict = {"q": self.text} if self.text else {}
        for key, values in self.filters.items():
            out[key] = list(values)
        if self.income_min is not None:
            out["income_min"] = f"{self.income_min:g}"
        if self.income_max is not None:
            out["income_max"] = f"{self.income_max:g}"
        if self.per_page != DEFAULT_PER_PAGE:
            out["per_page"] = str(self.per_page)
        out.update(changes)
        return {k: v for k, v in out.items() if v not in (None, "", [])}


FILTER_LABELS = {
    "kind": "类型", "province": "省", "city": "市", "county": "县（区、市）", "terrain": "地形",
    "models": "经营模式", "industries": "产业", "resources": "资源",
}


def _getlist(args, key: str) -> list[str]:
    if hasattr(args, "getlist"):
        return [v for v in args.getlist(key)]
    value = args.get(key)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def clean_text(value: str) -> str:
    """Drop control and zero-width characters and fold runs of white space."""
    return re.sub(r"\s+", " ", CONTROL_RE.sub(" ", value)).strip()


def split_phrases(text: str) -> tuple[str, tuple[str, ...]]:
    """Separate quoted phrases from the rest; an unbalanced quote is just dropped."""
    phrases, rest, i = [], [], 0
    while i < len(text):
        ch = text[i]
        close = QUOTE_PAIRS.get(ch)
        end = text.find(close, i + 1) if close else -1
        if close and end > i + 1:
            phrase = text[i + 1:end].strip()
            if phrase:
                phrases.append(phrase)
            rest.append(" ")
            i = end + 1
            continue
        rest.append(" " if ch in QUOTE_PAIRS or ch in "”」』" else ch)
        i += 1
    return clean_text("".join(rest)), tuple(phrases)


def _number(args, key: str, errors: dict, low: float, high: float) -> float | None:
    raw = _getlist(args, key)
    if not raw or not raw[0].strip():
        return None
    try:
        value = float(raw[0])
    except ValueError:
        errors[key] = "应为数字"
        return None
    if not low <= value <= high or value != value:
        errors[key] = f"应在 {low:g} 到 {high:g} 之间"
        return None
    return value


def parse_query(args) -> SearchQuery:
    """Validate search arguments (`q`, filters, `income`, `income_min/max`, `page`, `per_page`).

    :raise QueryError: with a Chinese reason for each bad parameter.
    """
    errors: dict[str, str] = {}
    raw = (_getlist(args, "q") or [""])[0]
    if len(raw) > MAX_QUERY_CHARS:
        errors["q"] = f"搜索内容过长（最多 {MAX_QUERY_CHARS} 字）"
        raw = ""
    text = clean_text(raw)
    terms_text, phrases = split_phrases(text)
    numbers = read_numbers(terms_text)
    terms_text = strip_conditions(terms_text, numbers)
    conditions = tuple(c for c in numbers if c.metric != EARLIER)
    filters = _filters(args, errors)
    income_min = _number(args, "income_min", errors, 0, MAX_INCOME_WAN)
    income_max = _number(args, "income_max", errors, 0, MAX_INCOME_WAN)
    bucket = (_getlist(args, "income") or [""])[0]
    if bucket:
        match = next((b for b in INCOME_BUCKETS if b[0] == bucket), None)
        if match is None:
            errors["income"] = f"可选值：{'、'.join(b[0] for b in INCOME_BUCKETS)}"
        else:
            income_min, income_max = match[2], match[3]
    page = _number(args, "page", errors, 1, MAX_PAGE)
    per_page = _number(args, "per_page", errors, 1, MAX_PER_PAGE)
    if errors:
        raise QueryError(errors)
    return SearchQuery(
        text=text, terms_text=terms_text, phrases=phrases, filters=filters,
        income_min=income_min, income_max=income_max, conditions=conditions,
        page=int(page or 1), per_page=int(per_page or DEFAULT_PER_PAGE),
    )


def _filters(args, errors: dict) -> dict[str, tuple[str, ...]]:
    filters: dict[str, tuple[str, ...]] = {}
    for key in LIST_FILTERS:
        values = [clean_text(v) for v in _getlist(args, key)]
        values = [v for v in dict.fromkeys(values) if v]
        if len(values) > MAX_FILTER_VALUES or any(len(v) > MAX_FILTER_CHARS for v in values):
            errors[key] = f"最多 {MAX_FILTER_VALUES} 个值，每个不超过 {MAX_FILTER_CHARS} 字"
        elif values:
            filters[key] = tuple(values)
    return filters
