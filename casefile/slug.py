"""The one case-id (slug) rule: lower-case ASCII letters, digits and hyphens, 2 to 80 long."""

from __future__ import annotations

import re

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,79}")
SLUG_RULE = "案例编号只含小写字母、数字和连字符，2 到 80 个字符，以字母或数字开头"


def is_slug(value: object) -> bool:
    return isinstance(value, str) and SLUG_RE.fullmatch(value) is not None
