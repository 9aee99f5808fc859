"""Editor accounts: argon2-hashed passwords, two roles (editor, publisher)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.models import ROLES
from editorial.models import User

NAME_RE = re.compile(r"^[\w.\-]{2,60}$")
MIN_PASSWORD = 8
_hasher = PasswordHasher()


class UserError(ValueError):
    """A user that cannot be created; the message is for people (Chinese)."""


def add_user(session: Session, name: str, role: str, password: str) -> User:
    """Create (or reset the password and role of) a user; commits."""
    if not NAME_RE.match(name):
        raise UserError("用户名应为 2–60 个字母、数字、汉字、点、下划线或连字符")
    if role not in ROLES:
        raise UserError(f"角色应为 {'、'.join(ROLES)} 之一")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少 {MIN_PASSWORD} 个字符")
    user = find_user(session, name) or User(name=name, session_version=1)
    if user.id is not None:  # a password reset ends every session of the old password
        user.session_version = (user.session_version or 0) + 1
    user.role, user.password_hash, user.active = role, _hasher.hash(password), True
    session.add(user)
    session.commit()
    return user


def find_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, or None (same answer for both mistakes)."""
    user = find_user(session, name)
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time as a real check: no user enumeration
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.commit()
    return user
