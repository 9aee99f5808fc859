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
from importer.places import Mention
from importer.places import aliases
from importer.places import find_mentions

NAME = r"(?:\*\*|[\u4e00-\u9fff]{2,4}?)"
MENTION_RE = re.compile(
    r"(?:^|(?<=[，；。、：！？“]))(?:(?:比如|例如|譬如|如|目前|其中|同时|另外|此外)[，、：]?)?"
    r"(?P<county>[\u4e00-\u9fff]{1,4}?[县区市旗])?"
    rf"(?P<township>[\u4e00-\u9fff]{{2,4}}?[乡镇])?(?P<name>{NAME}村|{NAME}[乡镇])"
    r"(?![级民集部庄里务镇乡])", re.MULTILINE)
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
    city: str | None = None
    province: str | None = None
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
    cases = _village_cases(text, blocks, doc.title)
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
    """Kept for callers that only ask whether a line opens with a village's name."""
    return [m for m in MENTION_RE.finditer(text)
            if any(x.start <= m.start("name") < x.end and x.role in CASE_ROLES
                   for x in find_mentions(text))]


CASE_ROLES = ("subject", "speaker", "location")
AREA_RE = re.compile(r"(?:全市|全县|全区|全省|全州|全旗|全国|我市|我县|我区|我省|本市|本县|"
                     r"本区|各地|"
                     r"各级|市委|县委|区委|省委)")
VILLAGE_ANAPHOR_RE = re.compile(r"(?:该村|全村|村里|这个村|我们村|我村|本村|村集体|村两委|村“两委”|"
                                r"该社区|全社区)")
TOWNSHIP_ANAPHOR_RE = re.compile(r"(?:该镇|该乡|全镇|全乡|本镇|本乡|我镇|我乡|该街道|全街道)")
LEAD_TIME = (r"(?:(?:19|20)\d\d年(?:\d{1,2}月)?(?:以来|底|末)?|今年|去年|近年来|近年|近日|"
             r"目前|当前|"
             r"截至目前|截至\S{0,10}?|如今|现在|同时|另外|此外|其中|据悉|据了解|近几年|这两年|"
             r"[一二三四五六七八九十]是)?")
CLAUSE_RE = re.compile(r"[，。；：！？;!?:]|(?<!\d),|,(?!\d)")
NUMBERED_RE = re.compile(r"^(?:(?P<r1>NO\.?\s*\d+|案例[一二三四五六七八九十\d]+|"
                         r"第[一二三四五六七八九十]+"
                         r"[章节部分篇])|(?P<r2>[一二三四五六七八九十]{1,3}[、．.])|"
                         r"(?P<r3>[（(][一二三四五六七八九十]{1,3}[)）])|(?P<r4>\d{1,2}[、.．](?!\d))|"
                         r"(?P<r5>【[^】]{1,12}】))", re.IGNORECASE)
ENTITY_RE = re.compile(r"[\u4e00-\u9fff]{2,8}(?:农场|公司|合作社|基地|工厂|加工厂|产业园|园区|"
                       r"协会|景区|"
                       r"企业|牧场|茶场|林场)")
AREA = "area"  # an owner: the text speaks of the wider area, not of a case


def _heading_like(text: str, level: int) -> bool:
    if level:
        return True
    return len(text) <= 50 and not re.search(r"[。！？!?；;]", text) and not re.search(
        r"[，,].*[，,]", text)


def _rank(text: str, level: int) -> int:
    m = NUMBERED_RE.match(text)
    if level:
        return level
    if m:
        return next(i for i, g in enumerate(("r1", "r2", "r3", "r4", "r5"), 1) if m.group(g))
    return 6


class _Owners:
    """Who owns each stretch of text: a case key, AREA, or None (nobody yet)."""

    def __init__(self, size: int):
        self.cuts: list[tuple[int, object, bool]] = []  # (position, owner, explicit)
        self.size = size

    def set(self, pos: int, owner, explicit: bool = True) -> None:
        self.cuts.append((pos, owner, explicit))

    def intervals(self):
        cuts = sorted(self.cuts, key=lambda c: c[0])
        out = []
        for i, (pos, owner, explicit) in enumerate(cuts):
            end = cuts[i + 1][0] if i + 1 < len(cuts) else self.size
            if end > pos:
                out.append([pos, end, owner, explicit])
        return out


def _village_cases(text: str, blocks, doc_title: str | None = None) -> list[Unit]:
    """Each stretch of text belongs to the place it speaks of: the village or township a clause
    opens with (比如，长湖村……; 在七汲镇王村，……), the speaker of a quotation (“……”某村党支部
    书记某某说), the place a heading or a line of its own names (NO.01 / 甲村 / paragraphs), the
    township the whole report is about; 该村, 全镇 go on with the last one; 全市, 全县 and a
    county's name open text about the wider area, which no case takes."""
    alias = aliases(text)
    found = find_mentions(text)
    units: dict[str, Unit] = {}
    order: list[Unit] = []

    def key_of(m: Mention) -> str:
        name = alias.get(m.name, m.name)
        return f"{name}@{m.start}" if m.masked else name

    def unit_of(m: Mention) -> Unit:
        key = key_of(m)
        if key not in units:
            units[key] = Unit("case", alias.get(m.name, m.name), masked=m.masked)
            order.append(units[key])
        unit = units[key]
        unit.county = unit.county or m.county
        unit.township = unit.township or m.township
        unit.city = unit.city or m.city
        unit.province = unit.province or m.province
        return unit

    casers = [m for m in found if m.role in CASE_ROLES and m.name not in alias
              or (m.name in alias and m.role in ("subject", "speaker"))]
    # names found once as a case also count where they stand alone (王村蔬菜批发市场……)
    known = {alias.get(m.name, m.name) for m in casers if not m.masked}
    covered = [(m.start, m.end) for m in found]
    for name in sorted(known, key=len, reverse=True):
        for hit in re.finditer(re.escape(name), text):
            if any(s <= hit.start() < e for s, e in covered):
                continue
            covered.append((hit.start(), hit.end()))
            role = "subject" if _clause_start_of(text, hit.start()) else "other"
            extra = Mention(hit.start(), hit.end(), name, "village" if name.endswith(
                ("村", "社区")) else "township", role)
            found.append(extra)
            if role == "subject":
                casers.append(extra)
    casers.sort(key=lambda m: m.start)
    owners = _Owners(len(text))
    last = {"village": None, "township": None}
    main = _main_township(text, blocks, casers)
    main = unit_of(main) if main else None
    if main:
        last["township"] = main
    section_owner, section_rank = None, 99
    prev_owner, prev_text = None, ""
    for b_start, b_end, level in blocks:
        block = text[b_start:b_end]
        here = [m for m in casers if b_start <= m.start < b_end]
        if _heading_like(block, level):
            rank = _rank(block, level)
            opener = next((m for m in here if m.start - b_start <= len(
                NUMBERED_RE.match(block).group(0) if NUMBERED_RE.match(block) else "") + 1
                and m.role in ("subject", "speaker")), None)
            if opener:
                unit = unit_of(opener)
                section_owner = unit
                section_rank = min(section_rank, rank) if section_rank < 99 else rank
                owners.set(opener.start, unit)
                last[opener.level] = unit
                prev_owner, prev_text = unit, block
                continue
            if rank <= section_rank:
                section_owner, section_rank = None, 99
            owners.set(b_start, None, False)
            if rank < 6:
                section_rank = rank if section_owner is None else section_rank
            continue
        if NUMBERED_RE.match(block) and section_owner is not None:
            rank = _rank(block, 0)
            if rank <= section_rank:
                section_owner, section_rank = None, 99
        start_owner = section_owner or main
        first = re.match(rf"\s*{LEAD_TIME}[，,]?\s*", block)
        opening = block[first.end():] if first else block
        if VILLAGE_ANAPHOR_RE.match(opening) and last["village"]:
            start_owner = last["village"]
        elif TOWNSHIP_ANAPHOR_RE.match(opening) and (last["township"] or main):
            start_owner = last["township"] or main
        elif AREA_RE.match(opening):
            start_owner = AREA
        elif not here and prev_owner not in (None, AREA) and _shares_entity(block, prev_text) \
                and not any(b_start <= m.start < b_end for m in found):
            start_owner = prev_owner
        owners.set(b_start, start_owner, start_owner is not None and start_owner is not main)
        events = sorted([(c, 1, None) for c in _clause_starts(text, b_start, b_end)]
                        + [(m.start - len(m.lead), 0, m) for m in here], key=lambda e: e[:2])
        for c, _, m in events:
            if m is not None:
                unit = unit_of(m)
                last[m.level] = unit
                if m.role == "speaker":
                    quote = _quote_before(text, m.start - len(m.lead), b_start)
                    if quote:
                        owners.set(quote[0], unit)
                        owners.set(quote[1], None, False)
                owners.set(m.start, unit)
                continue
            lead = re.match(rf"\s*{LEAD_TIME}[，,]?\s*", text[c:b_end])
            at = c + (lead.end() if lead else 0)
            rest = text[at:b_end]
            if any(c <= x.start - len(x.lead) <= at + 4 for x in here):
                continue  # a case opens this clause: handled at the mention itself
            if VILLAGE_ANAPHOR_RE.match(rest) and last["village"]:
                owners.set(c, last["village"])
            elif TOWNSHIP_ANAPHOR_RE.match(rest):
                town = last["township"] or main
                owners.set(c, town if town else AREA)
            elif AREA_RE.match(rest) or _county_opens(text, at, found):
                owners.set(c, AREA)
        prev_owner, prev_text = _owner_at(owners, b_end - 1), block
    return _collect(text, owners, order, main, casers)


def _clause_start_of(text: str, pos: int) -> bool:
    from importer.places import _clause_start

    return _clause_start(text, pos)


def _clause_starts(text: str, start: int, end: int) -> list[int]:
    return [start] + [m.end() for m in CLAUSE_RE.finditer(text, start, end) if m.end() < end]


def _county_opens(text: str, at: int, found: list[Mention]) -> bool:
    """A clause opening with a county, city or province not followed by one of its places
    (剑川县将……, 岳西县182个行政村……) speaks of the wider area."""
    from importer.places import admin_names

    hits = admin_names(text[at:at + 12])
    first = min((s for s, _, _ in hits.values()), default=None)
    if first != 0:
        return False
    end = max(e for e, (s, _, _) in hits.items() if s == 0)
    return not any(m.start <= at < m.end or m.start == at for m in found) and not any(
        at <= m.start <= at + end + 1 for m in found)


def _quote_before(text: str, pos: int, floor: int) -> tuple[int, int] | None:
    """The quotation that ends right before `pos` (“……”某某说): its start and end."""
    back = pos
    while back > floor and text[back - 1] in " \u3000":
        back -= 1
    if text[back - 1:back] != "”":
        return None
    open_at = text.rfind("“", floor, back - 1)
    depth_ok = open_at != -1 and text.count("”", open_at + 1, back - 1) <= text.count(
        "“", open_at + 1, back - 1)
    return (open_at, back) if depth_ok else None


def _owner_at(owners: _Owners, pos: int):
    for start, end, owner, _ in owners.intervals():
        if start <= pos < end:
            return owner
    return None


def _shares_entity(block: str, previous: str) -> bool:
    """The paragraph goes on about the farm or firm the one before it named (美乐幸福农场)."""
    names = {m.group(0)[-8:] for m in ENTITY_RE.finditer(previous)}
    return any(name[-6:] in block for name in names if len(name) >= 5)


def _main_township(text: str, blocks, casers: list[Mention]):
    """A township that the title or the first paragraph opens with: the report is about it."""
    prose = 0
    for b_start, b_end, level in blocks:
        block = text[b_start:b_end]
        here = [m for m in casers if b_start <= m.start < b_end and m.role == "subject"]
        if here and here[0].level == "township" and here[0].start - b_start <= 40:
            return here[0]
        if not _heading_like(block, level):
            prose += 1
            if prose >= 1:
                return None
    return None


def _collect(text: str, owners: _Owners, order: list[Unit], main, casers) -> list[Unit]:
    """Turn the owners' intervals into each case's spans; leading text of a sentence with no
    owner goes to the place the sentence then names (从……到拥有400多平方米的中心，庄田村……)."""
    intervals = owners.intervals()
    for i, iv in enumerate(intervals):
        if iv[2] is not None:
            continue
        nxt = intervals[i + 1] if i + 1 < len(intervals) else None
        if nxt and isinstance(nxt[2], Unit) and not re.search(r"[。！？!?；;\n]",
                                                              text[iv[0]:iv[1]]):
            iv[2] = nxt[2]
    for start, end, owner, _ in intervals:
        if isinstance(owner, Unit):
            while start < end and text[start] in " \n":
                start += 1
            while end > start and text[end - 1] in "，、,\n ":
                end -= 1
            if end > start:
                if owner.spans and owner.spans[-1][1] >= start - 1:
                    owner.spans[-1] = (owner.spans[-1][0], end)
                else:
                    owner.spans.append((start, end))
    return [u for u in order if u.spans]


def _section_end(blocks, pos: int, level: int) -> int:
    end = pos
    for s, e, lvl in blocks:
        if s <= pos:
            continue
        if lvl and lvl <= level:
            break
        end = e
    return end
