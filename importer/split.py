"""Find the cases a report describes: village and township examples, lines of work, preamble.

A village or township is a case where its name opens a clause (比如，长湖村通过……) or a heading;
its text runs to the next such name, to a clause about the whole area (全市……), or to the end
of the paragraph. Masked names (**村) are never merged: two of them may be different villages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

from importer.document import Document

NAME = r"(?:\*\*|[\u4e00-\u9fff]{2,4}?)"
MENTION_RE = re.compile(
    r"(?:^|(?<=[，；。、：！？“]))(?:(?:比如|例如|譬如|如|目前|其中|同时|另外|此外)[，、：]?)?"
    r"(?P<county>[\u4e00-\u9fff]{1,4}?[县区市旗])?"
    rf"(?P<township>[\u4e00-\u9fff]{{2,4}}?[乡镇])?(?P<name>{NAME}村|{NAME}[乡镇])"
    r"(?![级民集部庄里务镇乡])", re.MULTILINE)
STOP_NAMES = {"乡村", "农村", "城乡", "全村", "各村", "该村", "本村", "我村", "每村", "全镇",
              "全乡", "乡镇", "各乡镇", "村镇", "集镇", "城镇", "该镇", "本镇"}
# 典型村, 示范村, 薄弱村: kinds of village, not names.
KIND_WORDS = ("典型", "示范", "先进", "薄弱", "贫困", "重点", "试点", "美丽", "文明", "扶持",
              "脱贫", "后进", "涣散", "空壳", "中心", "行政", "自然", "特色", "传统", "样板")
# 强化村党组织, 助推村两委: a verb before 村. (The village's party branch can be a subject:
# 长湖村党支部领办合作社.)
VERB_WORDS = tuple("强化 推动 助推 带动 新增 发展 壮大 引领 促进 推进 打造 建设 加强 全面 "
                   "选派 配强 支持 帮助 服务 振兴 激活 规范 实现 提升 健全 完善 指导 培育 "
                   "夯实 整顿 联系 包联 走访".split())
WHOLE_AREA_RE = re.compile(r"[，；](?:今年|目前|当前)?"
                           r"(?:全市|我市|本市|全县|我县|全省|全区|呈现|形成|营造)")
NOT_NAME_RE = re.compile(r"[在着的了为和与向对把将从是有等及并或被让使个年市县省]")
ANAPHOR_RE = re.compile(r"^(?:该村|该镇|该乡|全村|村里|这个村|此外，该村|同时，该村)")
# Numbering styles of a report's parts, outermost first: 第一部分, 一、, （一）.
ENUM_STYLES = (re.compile(r"^第[一二三四五六七八九十]{1,3}[章节部分项][、，：:\s]*"),
               re.compile(r"^[一二三四五六七八九十]{1,3}[、．.]"),
               re.compile(r"^（[一二三四五六七八九十]{1,3}）"))


@dataclass
class Unit:
    """One draft's worth of source: its kind, a name, and the character spans it owns."""

    kind: str  # case | practice | overview
    name: str
    spans: list[tuple[int, int]] = field(default_factory=list)  # own text: figures and facets
    context: list[tuple[int, int]] = field(default_factory=list)  # shared words quoted too
    township: str | None = None
    county: str | None = None
    masked: bool = False
    heading: str | None = None  # the line of work a case was found in


def block_offsets(doc: Document) -> list[tuple[int, int, int]]:
    """(start, end, level) of each block in the source text (blocks joined by newlines)."""
    out, pos = [], 0
    for b in doc.blocks:
        out.append((pos, pos + len(b.text), b.level))
        pos += len(b.text) + 1
    return out


def find_units(doc: Document) -> list[Unit]:
    text = doc.text()
    blocks = block_offsets(doc)
    practices = _lines_of_work(doc, blocks)
    cases = _village_cases(text, blocks)
    for case in cases:
        for p in practices:
            if any(p.spans[0][0] <= s < p.spans[-1][1] for s, _ in case.spans):
                case.heading = p.name
                break
    overview = _preamble(doc, blocks, practices)
    return ([overview] if overview else []) + practices + cases


def _numbered_parts(doc: Document) -> tuple[re.Pattern | None, list[int]]:
    """The outermost numbering style used at least twice, and the blocks it opens."""
    for style in ENUM_STYLES:
        starts = [i for i, b in enumerate(doc.blocks) if style.match(b.text)]
        if len(starts) >= 2:
            return style, starts
    return None, []


def _lines_of_work(doc: Document, blocks) -> list[Unit]:
    """Numbered parts (一、抓机制构建……) when the report has at least two of them. A part that
    opens with a village's name (一、长湖村：……) is that village's case, not a line of work."""
    style, starts = _numbered_parts(doc)
    units = []
    for n, i in enumerate(starts):
        name = style.sub("", doc.blocks[i].text)
        if any(m.start() == 0 for m in mentions(name[:16])):
            continue
        stop = starts[n + 1] if n + 1 < len(starts) else len(doc.blocks)
        level = doc.blocks[i].level
        for j in range(i + 1, stop):
            if doc.blocks[j].level and (not level or doc.blocks[j].level <= level):
                stop = j
                break
        name = re.split(r"[。！？；：]", name)[0].strip()
        units.append(Unit("practice", name, [(blocks[i][0], blocks[stop - 1][1])]))
    return units


def _preamble(doc: Document, blocks, practices: list[Unit]) -> Unit | None:
    """The text before the first numbered part: the report's overview."""
    if not practices:
        return None
    first = practices[0].spans[0][0]
    spans = [(s, e) for s, e, level in blocks if e <= first and not level and e > s]
    return Unit("overview", doc.title or "综述", spans) if spans else None


def mentions(text: str) -> list[re.Match]:
    found = []
    for m in MENTION_RE.finditer(text):
        name = m.group("name")
        if name in STOP_NAMES or (m.group("township") or "") in STOP_NAMES:
            continue
        if name[:-1].endswith(KIND_WORDS) or name[:2] in KIND_WORDS + VERB_WORDS:
            continue
        county = m.group("county") or ""
        if county and (NOT_NAME_RE.search(county[:-1]) or county[:-1] in "全我本该各每"):
            continue  # 全市, 我县: not a county's name
        if NOT_NAME_RE.search(name[:-1]):  # 正在朝着村强民富: words, not a place name
            continue
        found.append(m)
    return found


def _village_cases(text: str, blocks) -> list[Unit]:
    units: dict[str, Unit] = {}
    order: list[Unit] = []
    for b_start, b_end, level in blocks:
        block = text[b_start:b_end]
        found = mentions(block)
        for k, m in enumerate(found):
            first = next(g for g in ("county", "township", "name") if m.group(g))
            start = b_start + m.start(first)
            nxt = b_start + found[k + 1].start() if k + 1 < len(found) else None
            end = _span_end(text, start, nxt, b_end, at_block_start=m.start() == 0)
            unit = _unit_for(m, units, order)
            unit.spans.append((start, end))
            if nxt is not None and text[start:nxt].rstrip().endswith("、"):
                unit.context.append((end, _span_end(text, nxt, None, b_end, False)))
            if level and k == 0:  # a heading naming the village: its section is the case's
                unit.spans.append((b_end, _section_end(blocks, b_end, level)))
    return order


def _unit_for(m: re.Match, units: dict[str, Unit], order: list[Unit]) -> Unit:
    name = m.group("name")
    masked = name.startswith("**")
    if not masked and name in units:
        return units[name]
    unit = Unit("case", name, township=m.group("township"), county=m.group("county"),
                masked=masked)
    if not masked:
        units[name] = unit
    order.append(unit)
    return unit


def _span_end(text: str, start: int, nxt: int | None, b_end: int, at_block_start: bool) -> int:
    """Up to the next village, a clause about the whole area, or the end of the sentence run."""
    end = nxt if nxt is not None else b_end
    whole = WHOLE_AREA_RE.search(text, start, end)
    if whole:
        end = whole.start() + 1
    if not at_block_start and nxt is None:
        # A mention inside a paragraph about something else owns its sentence and any
        # following sentences that go on about the same village (该村……).
        stop = re.compile(r"[。！？；]").search(text, start, end)
        while stop:
            rest = text[stop.end():end]
            if not ANAPHOR_RE.match(rest):
                end = stop.end()
                break
            stop = re.compile(r"[。！？；]").search(text, stop.end(), end)
    while end > start and text[end - 1] in "，、 ":
        end -= 1
    return end


def _section_end(blocks, pos: int, level: int) -> int:
    end = pos
    for s, e, lvl in blocks:
        if s <= pos:
            continue
        if lvl and lvl <= level:
            break
        end = e
    return end
