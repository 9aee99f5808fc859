"""Drafts from imported reports: store them, edit them as form fields, save without losing
anyone's work (optimistic concurrency on `version`), and mark their evidence in the source."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import frontmatter
import yaml
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from analysis.vocabulary import Vocabulary
from casefile.parse import CaseFormatError
from casefile.parse import parse_case_text
from db.models import utcnow
from editorial.models import AuditEntry
from editorial.models import Draft
from editorial.models import Upload
from editorial.records import audit
from editorial.slugs import readable_slug

ID_LINE_RE = re.compile(r"^id: .*$", re.MULTILINE)


class EditConflict(Exception):
    """Someone saved the draft since this editor opened it."""

    def __init__(self, current: Draft):
        self.current = current
        super().__init__(f"草稿已被 {current.updated_by} 在 {current.updated_at:%H:%M:%S} 修改")


class DraftInvalid(Exception):
    """The edited case file does not pass the case format check."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("；".join(f"{k}：{v}" for k, v in errors.items()))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def find_upload(session: Session, sha256: str) -> Upload | None:
    """The earliest upload of exactly these bytes, if any."""
    return session.scalar(select(Upload).where(Upload.sha256 == sha256)
                          .order_by(Upload.id).limit(1))


def store_import(session: Session, result, filename: str, user: str,
                 sha256: str | None = None, taken: set[str] | None = None) -> Upload:
    """Keep an importer result (its source text and every draft); commits.

    :param taken: ids already in use (published cases); given, each draft gets a readable id
        from its place and model (changhu-company) instead of the importer's code.
    """
    upload = Upload(filename=filename[:255], source_name=(result.source_name or filename)[:300],
                    source_text=result.source_text, warnings=list(result.warnings),
                    uploaded_by=user, sha256=sha256)
    if taken is not None:
        taken = taken | set(session.scalars(select(Draft.slug)))
    drafts = []
    for d in result.drafts:
        slug, text = d.slug, d.markdown()
        readable = readable_slug(split_text(text)[0], taken) if taken is not None else None
        if readable:
            slug, text = readable, ID_LINE_RE.sub(f"id: {readable}", text, count=1)
            taken.add(readable)
        drafts.append(Draft(slug=slug, title=d.title[:200], text=text, updated_by=user))
    upload.drafts = drafts
    session.add(upload)
    session.flush()
    audit(session, user, "upload", f"upload:{upload.id}",
          f"{filename}：{len(upload.drafts)} 篇草稿")
    session.commit()
    return upload


def published_before(session: Session, draft_id: int) -> bool:
    """Whether this draft was ever published: its id is then a public URL and stays."""
    return session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "publish-draft", AuditEntry.target == f"draft:{draft_id}")
        .limit(1)) is not None


def uploads(session: Session) -> list[Upload]:
    return list(session.scalars(select(Upload).order_by(Upload.id.desc())))


def drafts_page(session: Session, page: int, per_page: int = 50) -> tuple[list[Draft], int]:
    """One page of drafts, newest upload first, and how many drafts there are in all."""
    total = session.scalar(select(func.count()).select_from(Draft)) or 0
    rows = session.scalars(select(Draft).order_by(Draft.upload_id.desc(), Draft.id)
                           .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def split_text(text: str) -> tuple[dict, str]:
    """Front matter and Markdown body of a case file."""
    post = frontmatter.loads(text)
    return dict(post.metadata), post.content


def join_text(meta: dict, body: str) -> str:
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{head}---\n\n{body.strip()}\n"


def check_text(text: str, vocab: Vocabulary) -> dict[str, str]:
    """Problems of a case file as {field: Chinese reason}; empty when it would publish."""
    try:
        parse_case_text(text, "draft", vocab)
    except CaseFormatError as exc:
        errors: dict[str, str] = {}
        for p in exc.problems:
            errors[p.field] = f"{errors[p.field]}；{p.reason}" if p.field in errors else p.reason
        return errors
    return {}


def save_draft(session: Session, draft_id: int, text: str, version: int, user: str,
               vocab: Vocabulary) -> Draft:
    """Save `text` if it passes the case check and nobody saved since `version`; commits.

    :raise DraftInvalid: with the problems per field (nothing is saved).
    :raise EditConflict: when the stored version moved on (nothing is overwritten).
    """
    errors = check_text(text, vocab)
    meta, _ = split_text(text)
    current = session.get(Draft, draft_id)
    if (current is not None and str(meta.get("id", "")) != current.slug
            and published_before(session, draft_id)):
        errors["id"] = f"这篇已经发布过，编号 {current.slug} 已是公开网址，不能再改"
    if errors:
        raise DraftInvalid(errors)
    done = session.execute(
        update(Draft).where(Draft.id == draft_id, Draft.version == version)
        .values(text=text, title=str(meta.get("title", ""))[:200], slug=str(meta.get("id", "")),
                version=Draft.version + 1, updated_by=user, updated_at=utcnow()))
    if done.rowcount != 1:
        session.rollback()
        raise EditConflict(session.get(Draft, draft_id, populate_existing=True))
    audit(session, user, "edit", f"draft:{draft_id}", f"version {version + 1}")
    session.commit()
    return session.get(Draft, draft_id, populate_existing=True)


def evidence_sentences(meta: dict) -> list[str]:
    """Every provenance sentence in the front matter (figures[i].quote, evidence{...})."""
    found: list[str] = []

    def walk(value, inside: bool) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, inside or key in ("quote", "evidence", "quotes"))
        elif isinstance(value, list):
            for item in value:
                walk(item, inside)
        elif inside and isinstance(value, str) and value.strip() and value not in found:
            found.append(value.strip())

    walk(meta, False)
    return found
