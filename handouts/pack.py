"""A trainer's course pack: title, notes and an ordered list of case ids, carried in a URL token.

The pack never touches the server: it is encoded as `p1.<base64url(zlib(json))>` so a link is
the whole pack (shareable, bookmarkable, no login). Decoding is strict because the token comes
from anyone's browser: size, version, types, limits and id shapes are all checked.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace

from casefile.case import Case
from casefile.case_view import case_views
from casefile.slug import is_slug

MAX_CASES = 50
MAX_TITLE = 100
MAX_NOTES = 2000
MAX_TOKEN = 12_000  # characters; a full pack with 2000 characters of notes stays well below
MAX_JSON = 64 * 1024  # bytes after inflating: stops a small token from expanding without bound
VERSION = "p1"
DEFAULT_TITLE = "三农培训案例素材包"


class PackError(ValueError):
    """Bad pack input; `message` is shown to the user, `errors` names the fields."""

    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message, self.errors = message, errors or {}


class UnknownCasesError(PackError):
    status = 404

    def __init__(self, ids: list[str]):
        listed = "、".join(ids)
        super().__init__(f"没有找到这些案例：{listed}", {"ids": f"未知的案例 id：{listed}"})
        self.ids = ids


@dataclass(frozen=True)
class Pack:
    title: str = ""
    notes: str = ""
    ids: tuple[str, ...] = ()

    @property
    def display_title(self) -> str:
        return self.title or DEFAULT_TITLE

    def add(self, slug: str) -> Pack:
        """Append `slug`; adding a case already in the pack changes nothing."""
        check_ids([slug])
        if slug in self.ids:
            return self
        return replace(self, ids=check_count(self.ids + (slug,)))

    def remove(self, slug: str) -> Pack:
        return replace(self, ids=tuple(s for s in self.ids if s != slug))

    def move(self, slug: str, step: int) -> Pack:
        """Move `slug` up (step -1) or down (+1); at either end it stays put."""
        if slug not in self.ids:
            raise PackError("素材包里没有这个案例", {"id": f"“{slug}”不在素材包中"})
        ids = list(self.ids)
        i = ids.index(slug)
        j = min(max(i + step, 0), len(ids) - 1)
        ids[i], ids[j] = ids[j], ids[i]
        return replace(self, ids=tuple(ids))

    def with_text(self, title: str, notes: str) -> Pack:
        title, notes = check_text(title, notes)
        return replace(self, title=title, notes=notes)

    def to_dict(self) -> dict:
        return {"title": self.title, "notes": self.notes, "ids": list(self.ids)}


def check_text(title: str, notes: str) -> tuple[str, str]:
    title, notes = title.strip(), notes.strip().replace("\r\n", "\n")
    errors = {}
    if len(title) > MAX_TITLE:
        errors["title"] = f"标题最多 {MAX_TITLE} 字，现在 {len(title)} 字"
    if len(notes) > MAX_NOTES:
        errors["notes"] = f"备注最多 {MAX_NOTES} 字，现在 {len(notes)} 字"
    if errors:
        raise PackError("标题或备注太长", errors)
    return title, notes


def check_count(ids: tuple[str, ...]) -> tuple[str, ...]:
    if len(ids) > MAX_CASES:
        raise PackError(f"素材包最多 {MAX_CASES} 个案例，现在有 {len(ids)} 个",
                        {"ids": f"最多 {MAX_CASES} 个案例"})
    return ids


def check_ids(ids: Iterable[str]) -> list[str]:
    bad = [s for s in ids if not is_slug(s)]
    if bad:
        shown = "、".join(str(s)[:80] for s in bad[:5])
        raise PackError(f"案例 id 格式不对：{shown}",
                        {"ids": "案例 id 只能用小写字母、数字和连字符，2–80 个字符"})
    return list(ids)


def parse_ids(values: Iterable[str]) -> list[str]:
    """Ids from `a,b,c` strings (possibly repeated params), in order, without duplicates."""
    out: list[str] = []
    for value in values:
        for part in value.replace("，", ",").split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    check_ids(out)
    check_count(tuple(out))
    return out


def encode(pack: Pack) -> str:
    data = json.dumps(pack.to_dict(), ensure_ascii=False, separators=(",", ":"))
    packed = base64.urlsafe_b64encode(zlib.compress(data.encode("utf-8"), 9))
    return f"{VERSION}.{packed.decode('ascii').rstrip('=')}"


def decode(token: str | None) -> Pack:
    """The pack in `token`; an empty token is an empty pack. :raise PackError: on any defect."""
    token = (token or "").strip()
    if not token:
        return Pack()
    data = _inflate(token)
    if not isinstance(data, dict) or set(data) - {"title", "notes", "ids"}:
        raise _broken()
    title, notes, ids = data.get("title", ""), data.get("notes", ""), data.get("ids", [])
    if not isinstance(title, str) or not isinstance(notes, str) or not isinstance(ids, list):
        raise _broken()
    check_ids(ids)
    if len(set(ids)) != len(ids):
        raise _broken()
    title, notes = check_text(title, notes)
    return Pack(title, notes, check_count(tuple(ids)))


def _inflate(token: str):
    if len(token) > MAX_TOKEN:
        raise PackError(f"素材包链接太长（超过 {MAX_TOKEN} 个字符）", {"p": "链接太长"})
    version, _, body = token.partition(".")
    if version != VERSION or not body:
        raise _broken()
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj()
        text = inflater.decompress(raw, MAX_JSON)
        if inflater.unconsumed_tail or not inflater.eof:
            raise _broken()
        return json.loads(text.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise _broken() from exc


def _broken() -> PackError:
    return PackError("素材包链接无效或已损坏，请重新打开原链接", {"p": "无法读取素材包链接"})


def pack_contents(catalog: Mapping[str, Case], ids: list[str]) -> tuple[list[dict], list[str]]:
    """The case views of `ids` that exist, in order, and the ids the library no longer has."""
    return case_views(catalog, list(ids))


def load_cases(catalog: Mapping[str, Case], ids: list[str]) -> list[dict]:
    """The cases of `ids` as case views, in order. :raise UnknownCasesError: listing misses."""
    cases, missing = pack_contents(catalog, ids)
    if missing:
        raise UnknownCasesError(missing)
    return cases
