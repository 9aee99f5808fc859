"""What every handout format shows of a case: facts rows, plain blocks of Markdown, 讨论题.

The Word export, the print page and the comparison all draw on these, so the three never
disagree about a case's facts or questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from functools import lru_cache
from pathlib import Path

import yaml

from casefile.markdown import markdown_tokens

LESSONS = "经验启示"
MEASURES = "主要做法"
LINKAGE = "利益联结"


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Block:
    """One paragraph-level piece: kind is para, item (bullet), number (ordered), heading, quote."""

    kind: str
    runs: list[Run] = field(default_factory=list)
    number: int | None = None
    level: int = 0

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs).strip()


def md_blocks(markdown: str) -> list[Block]:
    """Parse Markdown into flat blocks with bold/italic runs (no HTML, nothing executable)."""
    blocks: list[Block] = []
    lists: list[list] = []  # [kind, next number] per open list
    heading, quote = 0, 0
    for tok in markdown_tokens(markdown):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            start = int(tok.attrGet("start") or 1)
            lists.append(["item" if tok.type == "bullet_list_open" else "number", start])
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif tok.type == "heading_open":
            heading = int(tok.tag[1:])
        elif tok.type == "heading_close":
            heading = 0
        elif tok.type in ("blockquote_open", "blockquote_close"):
            quote += 1 if tok.type.endswith("open") else -1
        elif tok.type in ("code_block", "fence"):
            blocks.append(Block("para", [Run(tok.content.rstrip())]))
        elif tok.type == "inline":
            blocks.append(_inline_block(tok, lists, heading, quote))
    return blocks


def _inline_block(tok, lists: list[list], heading: int, quote: int) -> Block:
    runs = _runs(tok.children or [])
    if heading:
        return Block("heading", runs, level=heading)
    if lists:
        kind, number = lists[-1]
        if kind == "number":
            lists[-1][1] += 1
        return Block(kind, runs, number=number if kind == "number" else None, level=len(lists))
    return Block("quote" if quote else "para", runs)


def _runs(children) -> list[Run]:
    runs: list[Run] = []
    bold = italic = False
    href = None
    for child in children:
        if child.type in ("strong_open", "strong_close"):
            bold = child.type == "strong_open"
        elif child.type in ("em_open", "em_close"):
            italic = child.type == "em_open"
        elif child.type == "link_open":
            href = child.attrGet("href")
        elif child.type == "link_close" and href:
            runs.append(Run(f"（{href}）"))
            href = None
        elif child.type == "hardbreak":
            runs.append(Run("\n"))
        elif child.type in ("text", "code_inline"):
            runs.append(Run(child.content, bold, italic))
        # softbreak: a line wrap inside a Chinese sentence joins without a space.
    return runs


# A line break or folded-YAML space between two Chinese characters is not a word gap; browsers
# print it as a space, so handouts remove it.
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])[ \t]*\n?[ \t]*(?=[^\x00-\x7f])")
_CJK_BREAK = re.compile(r"(?<=[^\x00-\x7f])\n[ \t]*(?=[^\x00-\x7f])")


def cjk_join(text: str) -> str:
    """Drop spaces and line breaks between Chinese characters (a folded summary)."""
    return _CJK_GAP.sub("", text)


def join_cjk_lines(markdown: str) -> str:
    """Join Markdown lines wrapped inside a Chinese sentence; blank lines and lists stay."""
    return _CJK_BREAK.sub("", markdown)


def plain_text(markdown: str) -> str:
    return "\n".join(b.text for b in md_blocks(markdown) if b.text)


def first_points(markdown: str, n: int = 3, width: int = 80) -> list[str]:
    """The first `n` list items of a section, or its first paragraphs when it has no list."""
    blocks = [b for b in md_blocks(markdown) if b.text and b.kind != "heading"]
    items = [b for b in blocks if b.kind in ("item", "number")] or blocks
    return [shorten(b.text, width) for b in items[:n]]


def shorten(text: str, width: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= width else text[: width - 1].rstrip("，、；： ") + "…"


def section(case: dict, heading: str) -> str | None:
    return next((s["markdown"] for s in case["sections"] if s["heading"] == heading), None)


QUESTIONS_FILE = Path(__file__).parent / "data" / "questions.yaml"


@lru_cache(maxsize=1)
def question_templates() -> dict:
    """The trainer-editable templates (handouts/data/questions.yaml)."""
    return yaml.safe_load(QUESTIONS_FILE.read_text("utf-8"))


def question_facts(case: dict) -> dict[str, str]:
    """The case's own facts a template may use; a fact the case does not state is left out."""
    facts = {"name": case["title"].split("：", 1)[0].strip()}
    for key in ("models", "resources", "industries"):
        if case.get(key):
            facts[key] = "、".join(case[key][:3])
    if case.get("terrain"):
        facts["terrain"] = case["terrain"]
    measures = first_points(section(case, MEASURES) or "", n=1, width=400)
    if measures:  # its first sentence: what the case did, not a note on what the source omits
        first = re.split(r"(?<=[。！？；])", measures[0])[0].rstrip("；")
        facts["measure"] = _sentence(shorten(first, 60))
    levels = sorted((f for f in case["figures"] if f["metric"] == "income"),
                    key=lambda f: f.get("year") or 9999)
    if case.get("kind") != "overview" and len(levels) >= 2:
        facts["income"] = f"从{levels[0]['text']}到{levels[-1]['text']}"
    others = [f for f in case["figures"]
              if f["metric"] in ("land", "households", "jobs", "assets", "members")]
    if others:
        facts["figure"] = f"{others[0]['label']}{others[0]['text']}"
    return facts


def discussion_questions(case: dict) -> list[str]:
    """讨论题 for every case: the templates its own facts can fill, then its 经验启示, then the
    questions every case gets."""
    data = question_templates()
    facts = question_facts(case)
    questions = [q["text"].format(**facts) for q in data["questions"]
                 if all(need in facts for need in q.get("needs", ()))][: data.get("max", 4)]
    lessons = section(case, LESSONS)
    if lessons:
        points = [b.text for b in md_blocks(lessons) if b.text and b.kind != "heading"]
        questions += [f"案例的启示：{_sentence(shorten(p, 90))}结合本村实际，这一条适用吗？"
                      "要具备哪些条件？" for p in points[:1]]
    return questions + list(data.get("always", ()))


def _sentence(text: str) -> str:
    return text if text.endswith(("。", "！", "？", "…")) else text + "。"


def facts_rows(case: dict) -> list[tuple[str, str]]:
    """(label, value) rows of the facts table, the same in Word and on the print page."""
    rows = [("类型", case["kind_label"]), ("地区", case["region_label"])]
    if case.get("terrain"):
        rows.append(("地形", case["terrain"]))
    if case.get("years"):
        rows.append(("年份", "、".join(str(y) for y in case["years"])))
    for key, label in (("models", "经营模式"), ("industries", "产业"), ("resources", "资源")):
        if case.get(key):
            rows.append((label, "、".join(case[key])))
    rows += [(f["label"], f["text"]) for f in case["figures"]]
    rows.append(("来源", case["citation"]))
    return rows


def figure_sources(case: dict) -> list[dict]:
    """The source sentences behind the case's figures, each once, with the figures it backs.

    Handouts print these after the case so a trainer can check every number against the
    report; several figures often come from one sentence.
    """
    out: list[dict] = []
    for f in case["figures"]:
        if not f.get("quote"):
            continue
        entry = next((e for e in out if e["quote"] == f["quote"]), None)
        if entry is None:
            entry = {"quote": f["quote"], "figures": []}
            out.append(entry)
        entry["figures"].append(f"{f['label']} {f['text']}")
    return out
