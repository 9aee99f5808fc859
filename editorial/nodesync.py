"""Several web nodes, one database: each node keeps its own case folder and index generation.

PostgreSQL holds every case revision (editorial/records.py writes the full text). A node that
publishes announces it with ``NOTIFY casebase_cases`` in the same transaction; every node
listens, and also polls as a safety net (a missed notification, SQLite, a node that was down).
On either, a node writes the latest revision of each changed case into its own CASES_DIR
(or removes the file after an unpublish) and runs an incremental build: no shared filesystem.
The editor's dictionary copies (``data:`` revisions) go into its EDITABLE_DATA_DIR the same
way, followed by a full rebuild, as on the node where they were saved.
A node that starts late compares every case once and catches up the same way.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from editorial.datafiles import FILES as DATA_FILES
from editorial.models import Revision
from editorial.records import CHANNEL
from editorial.records import atomic_write
from editorial.records import content_hash
from editorial.records import read_text

log = logging.getLogger(__name__)
CASE_PREFIX = "case:"
DATA_PREFIX = "data:"


def latest_revisions(session: Session, after: int = 0) -> list[Revision]:
    """The newest revision of each case or data file changed by a revision above `after`."""
    synced = or_(Revision.target.startswith(CASE_PREFIX), Revision.target.startswith(DATA_PREFIX))
    newest = (select(func.max(Revision.id)).where(synced)
              .group_by(Revision.target).having(func.max(Revision.id) > after))
    return list(session.scalars(select(Revision).where(Revision.id.in_(newest))
                                .order_by(Revision.id)))


def _path_of(rev: Revision, cases_dir: Path, data_dir: Path | None) -> Path | None:
    """Where this node keeps the revision's file; None for a target it does not hold."""
    prefix, _, name = rev.target.partition(":")
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None  # targets come from publish.case_path and datafiles.FILES: plain names
    if prefix + ":" == CASE_PREFIX:
        return Path(cases_dir) / f"{name}.md"
    if prefix + ":" == DATA_PREFIX and data_dir is not None and name in DATA_FILES:
        return Path(data_dir) / name
    return None


def apply_revisions(session: Session, cases_dir: Path, after: int = 0,
                    data_dir: Path | None = None) -> tuple[int, list[str]]:
    """Make this node's files hold the latest revision of everything changed since `after`:
    cases in `cases_dir`, the editor's dictionary copies in `data_dir`.

    :return: the highest revision id seen (or `after`) and the targets whose file changed.
    """
    changed, last = [], after
    for rev in latest_revisions(session, after):
        last = max(last, rev.id)
        path = _path_of(rev, cases_dir, data_dir)
        if path is None or content_hash(read_text(path)) == rev.content_hash:
            continue
        if rev.content is None:
            path.unlink(missing_ok=True)
        else:
            atomic_write(path, rev.content)
        changed.append(rev.target)
    return last, changed


class NodeSync:
    """A daemon thread: wait for a notification (or `interval` seconds), apply, rebuild.

    :param build: ``build(session, rebuild)`` builds this node's index (rebuild: from scratch,
        after a dictionary change).
    :param listen_url: a libpq connection string to LISTEN on; None polls only.
    :param lock_path: one worker per node syncs (the others find the lock taken and stay idle).
    """

    def __init__(self, sessions: sessionmaker, cases_dir: Path, build: Callable[[Session], object],
                 listen_url: str | None, lock_path: Path, interval: float = 5.0,
                 data_dir: Path | None = None):
        self.sessions, self.cases_dir, self.build = sessions, Path(cases_dir), build
        self.data_dir = Path(data_dir) if data_dir else None
        self.listen_url, self.lock_path, self.interval = listen_url, Path(lock_path), interval
        self.last = 0  # revision id applied so far; 0 at start: compare every case once
        self._dirty = self._rebuild = False  # files changed but not built yet (a build failed)
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
            self.last, changed = apply_revisions(session, self.cases_dir, self.last,
                                                 self.data_dir)
        self._dirty = self._dirty or bool(changed)
        self._rebuild = self._rebuild or any(t.startswith(DATA_PREFIX) for t in changed)
        if self._dirty:
            with self.sessions() as session:
                report = self.build(session, self._rebuild)
            self._dirty = self._rebuild = False
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
