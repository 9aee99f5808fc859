"""Publish a draft as a case file, unpublish a case, revert to an earlier revision.

Each write goes through records.write_revision (atomic file + revision + audit) and commits;
the caller then starts a reindex (editorial.jobs), so the request never waits for a build.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from analysis.vocabulary import Vocabulary
from casefile.slug import SLUG_RULE
from casefile.slug import is_slug
from editorial.drafts import DraftInvalid
from editorial.drafts import check_text
from editorial.drafts import split_text
from editorial.models import Draft
from editorial.models import Revision
from editorial.records import audit
from editorial.records import read_text
from editorial.records import write_revision


class PublishError(Exception):
    """A publish, unpublish or revert that cannot be done; the message is Chinese."""


def case_path(cases_dir: Path, slug: str) -> Path:
    if not is_slug(slug):  # a slug becomes a file name: no path tricks
        raise PublishError(SLUG_RULE)
    return Path(cases_dir) / f"{slug}.md"


def publish_draft(session: Session, draft: Draft, cases_dir: Path, user: str,
                  vocab: Vocabulary) -> Revision:
    """Write the draft as cases/<id>.md (replacing an earlier version of it); commits."""
    errors = check_text(draft.text, vocab)
    if errors:
        raise DraftInvalid(errors)
    slug = str(split_text(draft.text)[0]["id"])
    rev = write_revision(session, case_path(cases_dir, slug), f"case:{slug}", draft.text,
                         "publish", user)
    draft.status, draft.slug = "published", slug
    audit(session, user, "publish-draft", f"draft:{draft.id}", f"case:{slug}")
    session.commit()
    return rev


def unpublish(session: Session, slug: str, cases_dir: Path, user: str) -> Revision:
    """Remove cases/<slug>.md (its text stays in the revisions, so revert brings it back)."""
    path = case_path(cases_dir, slug)
    if read_text(path) is None:
        raise PublishError(f"案例 {slug} 没有对应的文件 {path.name}，无法撤下")
    rev = write_revision(session, path, f"case:{slug}", None, "unpublish", user)
    _mark_drafts(session, slug, "draft")
    session.commit()
    return rev


def _mark_drafts(session: Session, slug: str, status: str) -> None:
    """Drafts of `slug` show whether their case is live (after unpublish or revert)."""
    session.execute(update(Draft).where(Draft.slug == slug).values(status=status))


def revert(session: Session, revision_id: int, cases_dir: Path, user: str,
           vocab: Vocabulary) -> Revision:
    """Make an earlier revision's content current again, as a new revision; commits."""
    old = session.get(Revision, revision_id)
    if old is None or not old.target.startswith("case:"):
        raise PublishError("没有这个案例修订记录")
    slug = old.target.removeprefix("case:")
    path = case_path(cases_dir, slug)
    if old.content is not None and check_text(old.content, vocab):
        raise PublishError("这个版本已不符合当前的案例格式，无法恢复")
    if old.content is None and read_text(path) is None:
        raise PublishError("案例已经不在发布目录中")
    rev = write_revision(session, path, old.target, old.content, "revert", user)
    rev.diff = f"# 恢复到修订 #{old.id}\n{rev.diff}"
    _mark_drafts(session, slug, "draft" if old.content is None else "published")
    session.commit()
    return rev
