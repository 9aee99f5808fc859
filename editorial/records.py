"""Atomic file writes with a revision (content, hash, unified diff) and an audit entry."""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.models import AuditEntry
from editorial.models import Revision


def atomic_write(path: Path, text: str) -> None:
    """Write `text` beside `path` in a temp file, fsync, then os.replace: readers see the old
    file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def content_hash(text: str | None) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None


def unified_diff(old: str | None, new: str | None, name: str) -> str:
    return "".join(difflib.unified_diff(
        (old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
        fromfile=f"a/{name}", tofile=f"b/{name}"))


def write_revision(session: Session, path: Path, target: str, new: str | None, action: str,
                   author: str) -> Revision:
    """Write (or remove, when `new` is None) the file and record the change; the caller
    commits. The file is written first: a failed write records nothing."""
    old = read_text(path)
    _keep_baseline(session, path, target, old, author)
    if new is None:
        path.unlink(missing_ok=True)
    else:
        atomic_write(path, new)
    rev = Revision(target=target, action=action, author=author, content=new,
                   content_hash=content_hash(new), diff=unified_diff(old, new, path.name))
    session.add(rev)
    audit(session, author, action, target, f"sha256={rev.content_hash or '-'}")
    return rev


def _keep_baseline(session: Session, path: Path, target: str, old: str | None,
                   author: str) -> None:
    """Before the first recorded change of a file that has no revision yet (a shipped case),
    store its current text as a baseline revision, so the change can be undone."""
    if old is None or session.scalar(select(Revision.id).where(Revision.target == target)
                                     .limit(1)) is not None:
        return
    session.add(Revision(target=target, action="baseline", author=author, content=old,
                         content_hash=content_hash(old), diff="",
                         note=f"首次修改前的原文（{path.name}）"))
    session.flush()  # the baseline gets the smaller id: history orders by id


def audit(session: Session, actor: str, action: str, target: str, detail: str = "") -> None:
    """Add an audit entry; it is committed with the change it describes. The client's address
    comes from `session.info["client_address"]`, which the web layer sets per request."""
    session.add(AuditEntry(actor=actor, action=action, target=target[:200],
                           detail=detail[:500] or None,
                           address=(session.info.get("client_address") or "")[:64] or None))


def latest_revision(session: Session, target: str) -> Revision | None:
    return session.scalar(select(Revision).where(Revision.target == target)
                          .order_by(Revision.id.desc()).limit(1))


def history(session: Session, target: str) -> list[Revision]:
    return list(session.scalars(
        select(Revision).where(Revision.target == target).order_by(Revision.id.desc())))


def audit_trail(session: Session, limit: int = 100) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
