"""The in-memory shape of one case study, shared by the indexer, search and the web app."""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from functools import cached_property

from casefile.markdown import plain_text

KINDS = ("case", "practice", "overview")
KIND_LABELS = {"case": "村镇案例", "practice": "工作做法", "overview": "综述"}
REGION_LEVELS = ("province", "city", "county", "township", "village")
REGION_LABELS = {
    "province": "省",
    "city": "市",
    "county": "县（区、市）",
    "township": "乡镇",
    "village": "村",
}


@dataclass(frozen=True)
class Region:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    township: str | None = None
    village: str | None = None

    def parts(self) -> list[str]:
        """Return the known parts, broadest first."""
        return [p for p in (getattr(self, lvl) for lvl in REGION_LEVELS) if p]

    def label(self) -> str:
        return " · ".join(self.parts()) or "地区未注明"


# Qualifiers a figure may carry, as the source words them, and where each one is written.
# The importer's table of wordings (analysis/figures.py) writes every one of these.
QUALIFIERS_BEFORE = ("近", "约", "超过", "将近", "接近", "超", "突破", "过", "逾", "不足", "不到",
                     "低于")
QUALIFIERS_AFTER_NUMBER = ("余", "多")
QUALIFIERS_AFTER_UNIT = ("以上", "左右", "以下")
QUALIFIERS = QUALIFIERS_BEFORE + QUALIFIERS_AFTER_NUMBER + QUALIFIERS_AFTER_UNIT


def format_figure(value: float, unit: str, approx: str = "", year: int | None = None) -> str:
    """`近20万元`, `750余亩`, `80%以上`, with `（2020年）` when the year is known."""
    number = f"{value:g}"
    if approx in QUALIFIERS_BEFORE:
        text = f"{approx}{number}{unit}"
    elif approx in QUALIFIERS_AFTER_UNIT:
        text = f"{number}{unit}{approx}"
    elif approx and unit[:1] in ("万", "亿") and len(unit) > 1:
        text = f"{number}{unit[0]}{approx}{unit[1:]}"  # 100万余元, as the sources write it
    else:
        text = f"{number}{approx}{unit}"
    return text + (f"（{year}年）" if year else "")


@dataclass(frozen=True)
class Figure:
    """One number the source states, e.g. 村集体经济收入 50 万元 (2023)."""

    label: str
    value: float
    unit: str
    year: int | None = None
    # Controlled meaning of the number, so code can compare cases: see vocabulary.yaml `metrics`.
    metric: str | None = None
    approx: str = ""  # the source's qualifier: 余, 多, 以上 (after) or 近, 约, 超过 (before)
    # The source sentence the number is taken from, word for word, so a reader can check it.
    quote: str | None = None

    def text(self) -> str:
        return format_figure(self.value, self.unit, self.approx, self.year)

    def display(self) -> str:
        return f"{self.label}：{self.text()}"


EVIDENCE_FIELDS = ("models", "resources", "industries", "terrain", "region")


@dataclass(frozen=True)
class Evidence:
    """The source sentence that supports one facet value (field `region` names the place)."""

    field: str
    value: str
    quote: str


@dataclass(frozen=True)
class Source:
    document: str
    publisher: str | None = None
    date: str | None = None

    def citation(self) -> str:
        parts = [f"《{self.document}》" if not self.document.startswith("《") else self.document]
        if self.publisher:
            parts.append(self.publisher)
        if self.date:
            parts.append(self.date)
        return "，".join(parts)


@dataclass(frozen=True)
class Section:
    heading: str
    text: str  # Markdown of the section body, without its heading


@dataclass(frozen=True)
class Case:
    slug: str
    title: str
    kind: str
    region: Region
    summary: str
    source: Source
    years: tuple[int, ...] = ()
    models: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    terrain: str | None = None
    tags: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    sections: tuple[Section, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    body: str = ""
    content_hash: str = ""
    path: str = ""

    def section(self, heading: str) -> Section | None:
        return next((s for s in self.sections if s.heading == heading), None)

    def evidence_for(self, field_name: str, value: str) -> Evidence | None:
        return next((e for e in self.evidence if e.field == field_name and e.value == value),
                    None)

    def income_figures(self) -> list[Figure]:
        """Collective-income levels (metric `income`), oldest first."""
        return list(self._income_levels)

    # Cached per Case object (written to its __dict__, which a frozen dataclass allows and
    # equality ignores): facets and result pages ask for these on every query.
    @cached_property
    def _income_levels(self) -> tuple[Figure, ...]:
        found = [f for f in self.figures if f.metric == "income"]
        # A figure without a year is the report's "now", so it sorts last.
        return tuple(sorted(found, key=lambda f: f.year or 9999))

    @cached_property
    def passages(self) -> tuple[tuple[str, str], ...]:
        """(heading, text as a reader sees it) of the summary and of every section."""

        return (("摘要", self.summary),) + tuple(
            (s.heading, plain_text(s.text)) for s in self.sections)

    def income_before_after(self) -> tuple[Figure | None, Figure | None]:
        """Return the earliest and the latest stated collective income, if two exist.

        An overview's income figures belong to different villages or to averages over them:
        never shown as one village's before and after."""
        levels = self.income_figures()
        if len(levels) < 2 or self.kind == "overview":
            return (None, levels[0] if levels else None)
        return levels[0], levels[-1]


def case_to_dict(case: Case) -> dict:
    """A JSON-ready form of the case (the catalog of an index generation stores these)."""
    return asdict(case)


def case_from_dict(data: dict) -> Case:
    return Case(
        slug=data["slug"], title=data["title"], kind=data["kind"],
        region=Region(**data["region"]), summary=data["summary"], source=Source(**data["source"]),
        years=tuple(data["years"]), models=tuple(data["models"]),
        industries=tuple(data["industries"]), resources=tuple(data["resources"]),
        terrain=data["terrain"], tags=tuple(data["tags"]),
        figures=tuple(Figure(**f) for f in data["figures"]),
        sections=tuple(Section(**s) for s in data["sections"]),
        # catalogs written before provenance existed have no evidence key
        evidence=tuple(Evidence(**e) for e in data.get("evidence", ())),
        body=data["body"], content_hash=data["content_hash"], path=data["path"],
    )
