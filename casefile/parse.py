"""Read a case Markdown file (YAML front matter + body) into a validated `Case`."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import reprlib
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import yaml

from analysis.vocabulary import Vocabulary
from analysis.vocabulary import load_vocabulary
from casefile.case import EVIDENCE_FIELDS
from casefile.case import KINDS
from casefile.case import QUALIFIERS
from casefile.case import Case
from casefile.case import Evidence
from casefile.case import Figure
from casefile.case import Region
from casefile.case import Section
from casefile.case import Source
from casefile.slug import SLUG_RULE
from casefile.slug import is_slug

MAX_FILE_BYTES = 512 * 1024
MAX_SHORT_CHARS = 120  # region parts and figure labels: String(120) columns in db/models.py
SOURCE_LIMITS = {"document": 300, "publisher": 120, "date": 40}
MAX_QUOTE_CHARS = 1000  # one source sentence; the report's longest is about 300 characters
SCALARS = (str, int, float, dt.date, type(None))
# Values quoted in problems are cut short: YAML aliases can nest a list a billion items deep.
_short = reprlib.Repr()
_short.maxstring = _short.maxother = 60
_short.maxlevel, _short.maxlist, _short.maxdict = 2, 4, 4
HEADING_RE = re.compile(r"^##\s+(.+?)\s*#*\s*$", re.MULTILINE)
CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’—…"
# A line wrapped inside Chinese text (or folded YAML) must not become a visible space.
CJK_BREAK_RE = re.compile(rf"(?<=[{CJK}])[ \t]*\n?[ \t]*(?=[{CJK}])")
CJK_SOFT_BREAK_RE = re.compile(rf"(?<=[{CJK}])[ \t]*\n[ \t]*(?=[{CJK}])")


def tidy_cjk(text: str, soft_breaks_only: bool = False) -> str:
    """Remove spaces and line breaks between Chinese characters (they are not word gaps)."""
    return (CJK_SOFT_BREAK_RE if soft_breaks_only else CJK_BREAK_RE).sub("", text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, worded for the editor."""

    path: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: [{self.field}] {self.reason}"


class CaseFormatError(Exception):
    """A case file that cannot be indexed; carries every problem found in it."""

    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def is_case_file(path: Path) -> bool:
    """Cases are `*.md` files not named README.md and not starting with `_` or `.`."""
    hidden = path.name.startswith(("_", "."))
    return path.suffix == ".md" and not hidden and path.name != "README.md"


def case_files(cases_dir: Path) -> list[Path]:
    return sorted(p for p in Path(cases_dir).rglob("*.md") if is_case_file(p))


def load_case(path: Path, vocab: Vocabulary | None = None) -> Case:
    """Parse and validate one file.

    :raise CaseFormatError: with every problem found, each naming the field and a Chinese reason.
    """
    vocab = vocab or load_vocabulary()
    p = str(path)
    if not Path(path).is_file():  # a FIFO would block the reader; a dead link has no content
        raise CaseFormatError(p, [Problem(p, "file", "不是普通文件（失效的链接或特殊文件）")])
    try:
        raw_bytes = Path(path).read_bytes()
    except OSError as exc:
        raise CaseFormatError(p, [Problem(p, "file", f"无法读取文件：{exc.strerror}")]) from exc
    if len(raw_bytes) > MAX_FILE_BYTES:
        raise CaseFormatError(p, [Problem(p, "file", "文件超过 512 KB，请拆分或精简")])
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseFormatError(p, [Problem(p, "file", "文件不是 UTF-8 编码")]) from exc
    return parse_case_text(text, p, vocab)


def parse_case_text(text: str, path: str, vocab: Vocabulary) -> Case:
    text = text.lstrip("\ufeff")
    if "\x00" in text:  # PostgreSQL text cannot hold NUL; it means a binary file anyway
        raise CaseFormatError(path, [Problem(path, "file", "文件含有空字符，不是文本文件")])
    if not text.startswith("---"):
        raise CaseFormatError(path, [Problem(path, "front matter", "缺少以 --- 开头的 YAML 头部")])
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        reason = f"YAML 头部无法解析：{_yaml_where(exc)}"
        raise CaseFormatError(path, [Problem(path, "front matter", reason)]) from exc
    meta = post.metadata
    if not isinstance(meta, dict) or not meta:
        raise CaseFormatError(path, [Problem(path, "front matter", "YAML 头部为空或不是键值对")])
    if _has_nul(meta):  # YAML's "\0" escape: PostgreSQL cannot store it
        raise CaseFormatError(path, [Problem(path, "front matter", "YAML 头部含有空字符（\\0）")])
    checker = _Checker(path, meta, vocab)
    case = checker.build(post.content, text)
    if checker.problems:
        raise CaseFormatError(path, checker.problems)
    return case


def _has_nul(meta) -> bool:
    """Whether any string in the front matter holds NUL; each YAML node is visited once, so
    recursive or "billion laughs" aliases cost nothing extra."""
    stack, seen = [meta], set()
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict | list | tuple) and id(value) not in seen:
            seen.add(id(value))
            stack.extend([*value.keys(), *value.values()] if isinstance(value, dict) else value)
    return False


def _yaml_where(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f"第 {mark.line + 1} 行第 {mark.column + 1} 列附近格式错误"
    return "格式错误"


def split_sections(body: str) -> tuple[Section, ...]:
    """Split the body at `## ` headings; text before the first heading becomes 概述."""
    sections: list[Section] = []
    body = tidy_cjk(body, soft_breaks_only=True)
    matches = list(HEADING_RE.finditer(body))
    lead = body[: matches[0].start()] if matches else body
    if lead.strip():
        sections.append(Section("概述", lead.strip()))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        chunk = body[m.end() : end].strip()
        if chunk:
            sections.append(Section(m.group(1).strip(), chunk))
    return tuple(sections)


class _Checker:
    """Collects every problem in one file instead of stopping at the first."""

    def __init__(self, path: str, meta: dict, vocab: Vocabulary):
        self.path, self.meta, self.vocab = path, meta, vocab
        self.problems: list[Problem] = []

    def fail(self, field: str, reason: str) -> None:
        self.problems.append(Problem(self.path, field, reason))

    def text(self, key: str, required: bool = True, max_len: int = 300) -> str | None:
        value = self.meta.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(key, "必填字段缺失")
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.fail(key, "应为文字")
            return None
        value = str(value).strip()
        if len(value) > max_len:
            self.fail(key, f"超过 {max_len} 字")
        return value

    def terms(self, key: str, allowed: frozenset[str] | None) -> tuple[str, ...]:
        value = self.meta.get(key, [])
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(key, "应为列表")
            return ()
        out: list[str] = []
        for item in value:
            if not isinstance(item, str) or not item.strip():
                self.fail(key, f"列表项 {_short.repr(item)} 应为非空文字")
            elif allowed is not None and item not in allowed:
                self.fail(key, f"“{item}”不在词表中（analysis/data/vocabulary.yaml）")
            elif item not in out:
                out.append(item.strip())
        return tuple(out)

    def build(self, body: str, raw: str) -> Case:
        slug = self.text("id")
        if slug and not is_slug(slug):
            self.fail("id", SLUG_RULE)
        title = tidy_cjk(self.text("title", max_len=120) or "")
        kind = self.text("kind")
        if kind and kind not in KINDS:
            self.fail("kind", f"应为 {'、'.join(KINDS)} 之一")
        summary = tidy_cjk(self.text("summary", max_len=600) or "")
        terrain = self.text("terrain", required=False)
        if terrain and terrain not in self.vocab.terrain:
            self.fail("terrain", f"“{terrain}”不在地形词表中")
        if not body.strip():
            self.fail("body", "正文为空")
        models = self.terms("models", self.vocab.models)
        industries = self.terms("industries", self.vocab.industries)
        resources = self.terms("resources", self.vocab.resources)
        region = self.region()
        facets = {"region": region.parts()[-1:], "models": models, "industries": industries,
                  "resources": resources, "terrain": (terrain,) if terrain else ()}
        return Case(
            slug=slug or "",
            title=title or "",
            kind=kind or "case",
            region=region,
            summary=summary or "",
            source=self.source(),
            years=self.years(),
            models=models,
            industries=industries,
            resources=resources,
            terrain=terrain,
            tags=self.terms("tags", None),
            figures=self.figures(),
            sections=split_sections(body),
            evidence=self.evidence(facets),
            body=tidy_cjk(body.strip(), soft_breaks_only=True),
            content_hash=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
            path=self.path,
        )

    def region(self) -> Region:
        value = self.meta.get("region") or {}
        if not isinstance(value, dict):
            self.fail("region", "应为包含 province/city/county/township/village 的映射")
            return Region()
        unknown = set(value) - {"province", "city", "county", "township", "village"}
        if unknown:
            self.fail("region", f"未知的键：{'、'.join(sorted(map(str, unknown)))}")
        parts = {}
        for key in ("province", "city", "county", "township", "village"):
            v = value.get(key)
            if v is not None and not isinstance(v, str):
                self.fail(f"region.{key}", "应为文字")
            elif isinstance(v, str) and len(v.strip()) > MAX_SHORT_CHARS:
                self.fail(f"region.{key}", f"超过 {MAX_SHORT_CHARS} 字")
            parts[key] = v.strip() if isinstance(v, str) and v.strip() else None
        return Region(**parts)

    def years(self) -> tuple[int, ...]:
        value = self.meta.get("years", [])
        if isinstance(value, int):
            value = [value]
        if not isinstance(value, list):
            self.fail("years", "应为年份列表，如 [2020, 2023]")
            return ()
        out = []
        for y in value:
            if isinstance(y, bool) or not isinstance(y, int) or not 1949 <= y <= 2100:
                self.fail("years", f"年份 {_short.repr(y)} 无效")
            else:
                out.append(y)
        return tuple(sorted(set(out)))

    def source(self) -> Source:
        value = self.meta.get("source")
        if not isinstance(value, dict) or not value.get("document"):
            self.fail("source", "必须注明来源（document，可选 publisher、date）")
            return Source(document="")
        date = value.get("date")
        for key, limit in SOURCE_LIMITS.items():  # the SQL columns' sizes (PostgreSQL enforces)
            if not isinstance(value.get(key), SCALARS):  # str() of a nested alias tree explodes
                self.fail("source", f"{key} 应为文字")
                return Source(document="")
            if len(str(value.get(key) or "").strip()) > limit:
                self.fail("source", f"{key} 超过 {limit} 字")
        return Source(
            document=str(value["document"]).strip(),
            publisher=str(value["publisher"]).strip() if value.get("publisher") else None,
            date=str(date).strip() if date else None,
        )

    def qualifier(self, where: str, value) -> str:
        """`approx: true` means 余; a word says how the source qualified the number."""
        if value is None or value is False:
            return ""
        if value is True:
            return "余"
        if isinstance(value, str) and value in QUALIFIERS:
            return value
        self.fail(where, f"approx 应为 true 或 {'、'.join(QUALIFIERS)} 之一")
        return ""

    def figures(self) -> tuple[Figure, ...]:
        value = self.meta.get("figures", [])
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail("figures", "应为列表，每项含 label、value、unit，可选 year、metric")
            return ()
        out = []
        for i, item in enumerate(value, 1):
            where = f"figures[{i}]"
            if not isinstance(item, dict):
                self.fail(where, "应为含 label、value、unit 的映射")
                continue
            label, number, unit = item.get("label"), item.get("value"), item.get("unit")
            year, metric = item.get("year"), item.get("metric")
            ok = True
            if not isinstance(label, str) or not label.strip():
                self.fail(where, "缺少 label（说明这个数字是什么）")
                ok = False
            elif len(label.strip()) > MAX_SHORT_CHARS:
                self.fail(where, f"label 超过 {MAX_SHORT_CHARS} 字")
                ok = False
            if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                self.fail(where, f"value 应为非负数字，而不是 {_short.repr(number)}")
                ok = False
            if not isinstance(unit, str) or unit not in self.vocab.units:  # a list: unhashable
                self.fail(where, f"单位 {_short.repr(unit)} 不在词表中")
                ok = False
            if year is not None and (
                isinstance(year, bool) or not isinstance(year, int) or not 1949 <= year <= 2100
            ):
                self.fail(where, f"year {_short.repr(year)} 无效")
                ok = False
            if metric is not None and (not isinstance(metric, str)
                                       or metric not in self.vocab.metrics):
                self.fail(where, f"metric {_short.repr(metric)} 不在词表中")
                ok = False
            quote = self.quote(f"{where}.quote", item.get("quote"))
            if ok:
                approx = self.qualifier(where, item.get("approx"))
                out.append(Figure(label.strip(), float(number), unit, year, metric, approx,
                                  quote))
        return tuple(out)

    def quote(self, where: str, value) -> str | None:
        """A source sentence: optional here; `casefile.provenance` checks what it supports."""
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "出处原句应为非空文字")
            return None
        if len(value.strip()) > MAX_QUOTE_CHARS:
            self.fail(where, f"出处原句超过 {MAX_QUOTE_CHARS} 字，请只摘一句")
            return None
        return value.strip()

    def evidence(self, facets: dict[str, tuple[str, ...]]) -> tuple[Evidence, ...]:
        """`evidence:` maps facet -> value -> sentence; `region` maps straight to a sentence."""
        value = self.meta.get("evidence")
        if value is None:
            return ()
        if not isinstance(value, dict):
            self.fail("evidence", "应为映射：models/resources/industries/terrain → 值 → 原句")
            return ()
        unknown = set(value) - set(EVIDENCE_FIELDS)
        if unknown:
            self.fail("evidence", f"未知的键：{'、'.join(sorted(map(str, unknown)))}")
        out: list[Evidence] = []
        region = self.quote("evidence.region", value.get("region"))
        if region:  # the most specific place the case names is what the sentence must name
            out.append(Evidence("region", "".join(facets["region"]), region))
        for name in EVIDENCE_FIELDS[:-1]:
            out += self._facet_evidence(name, value.get(name), facets[name])
        return tuple(out)

    def _facet_evidence(self, name: str, mapping, values: tuple[str, ...]) -> list[Evidence]:
        if mapping is None:
            return []
        if not isinstance(mapping, dict):
            self.fail(f"evidence.{name}", "应为 值 → 原句 的映射")
            return []
        out = []
        for key, sentence in mapping.items():
            where = f"evidence.{name}.{str(key)[:60]}"
            if key not in values:  # stale evidence would vouch for a value the case dropped
                self.fail(where, f"“{str(key)[:60]}”不是本案例 {name} 中的值")
                continue
            quote = self.quote(where, sentence)
            if quote:
                out.append(Evidence(name, key, quote))
        return out
