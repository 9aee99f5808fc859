"""Several web nodes, one database: each node keeps its own case folder and index generation.

PostgreSQL holds every case revision (editorial/records.py writes the full text). A node that
publishes announces it with ``NOTIFY casebase_cases`` in the same transaction; every node
listens, and also polls as a safety net (a missed notification, SQLite, a node that was down).
On either, a node writes the latest revision of each changed case into its own CASES_DIR
(or removes the file after an unpublish) and runs an incremental build: no shared filesystem.
A node that starts late compares every case once and catches up the same way.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from editorial.models import Revision
from editorial.records import CHANNEL
from editorial.records import atomic_write
from editorial.records import content_hash
from editorial.records import read_text

log = logging.getLogger(__name__)
CASE_PREFIX = "case:"


def latest_revisions(session: Session, after: int = 0) -> list[Revision]:
    """The newest revision of each case changed by a revision with an id above `after`."""
    newest = (select(func.max(Revision.id)).where(Revision.target.startswith(CASE_PREFIX))
              .group_by(Revision.target).having(func.max(Revision.id) > after))
    return list(session.scalars(select(Revision).where(Revision.id.in_(newest))
                                .order_by(Revision.id)))


def apply_revisions(session: Session, cases_dir: Path, after: int = 0) -> tuple[int, list[str]]:
    """Make `cases_dir` hold the latest revision of every case changed since `after`.

    :return: the highest revision id seen (or `after`) and the slugs whose file changed.
    """
    changed, last = [], after
    for rev in latest_revisions(session, after):
        last = max(last, rev.id)
        slug = rev.target.removeprefix(CASE_PREFIX)
        if "/" in slug or "\\" in slug or slug.startswith("."):
            continue  # targets come from publish.case_path, which allows slugs only
        path = Path(cases_dir) / f"{slug}.md"
        current = read_text(path)
        if content_hash(current) == rev.content_hash:
            continue
        if rev.content is None:
            path.unlink(missing_ok=True)
        else:
            atomic_write(path, rev.content)
        changed.append(slug)
    return last, changed


class NodeSync:
    """A daemon thread: wait for a notification (or `interval` seconds), apply, rebuild.

    :param build: ``build(session)`` runs an incremental index build of this node.
    :param listen_url: a libpq connection string to LISTEN on; None polls only.
    :param lock_path: one worker per node syncs (the others find the lock taken and stay idle).
    """

    def __init__(self, sessions: sessionmaker, cases_dir: Path, build: Callable[[Session], object],
                 listen_url: str | None, lock_path: Path, interval: float = 5.0):
        self.sessions, self.cases_dir, self.build = sessions, Path(cases_dir), build
        self.listen_url, self.lock_path, self.interval = listen_url, Path(lock_path), interval
        self.last = 0  # revision id applied so far; 0 at start: compare every case once
        self._dirty = False  # files changed but not built yet (a build failed)
        self._stop = threading.Event()
        self._lock_file = None

    def start(self) -> threading.Thread | None:
        """Start syncing unless another worker of this node already does."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.lock_path.open("w")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return None
        self._lock_file = fh  # held for the life of the process
        thread = threading.Thread(target=self._run, daemon=True, name="casebase-node-sync")
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def sync_once(self) -> list[str]:
        """Apply what changed since the last round; build when a case file changed."""
        with self.sessions() as session:
            self.last, changed = apply_revisions(session, self.cases_dir, self.last)
        self._dirty = self._dirty or bool(changed)
        if self._dirty:
            with self.sessions() as session:
                report = self.build(session)
            self._dirty = False
            log.info("node sync: case(s) %s from revisions: %s", ", ".join(changed),
                     getattr(report, "summary", lambda: "")())
        return changed

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync_once()
                self._wait()
            except Exception:  # the database or a build failed: keep serving, try again
                log.exception("node sync failed; retrying in %.0f s", self.interval)
                self._stop.wait(self.interval)

    def _wait(self) -> None:
        """Until a notification arrives on CHANNEL, or `interval` seconds pass."""
        if self.listen_url is None:
            self._stop.wait(self.interval)
            return
        import psycopg

        with psycopg.connect(self.listen_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            # A publish between our last round and LISTEN would be missed: look once more.
            with self.sessions() as session:
                if latest_revisions(session, self.last):
                    return
            for _ in conn.notifies(timeout=self.interval, stop_after=1):
                return
