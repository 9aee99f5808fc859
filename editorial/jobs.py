"""Background reindex jobs: the request records a job and returns; a thread runs the build.

Job state lives in SQL (queued, running, done, failed with the error), so any worker can
show it. Builds in one process run one at a time; across processes indexer.store's build
lock serialises them, and a job that finds it taken waits and tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from db.models import utcnow
from editorial.models import IndexJob
from indexer.store import BuildLockedError

log = logging.getLogger(__name__)
STALE_AFTER = dt.timedelta(minutes=30)
LOCK_RETRIES = 120
LOCK_WAIT = 0.5
# build(session, rebuild) -> BuildReport: the app passes indexer.build.build_index bound to
# its cases folder, index folder and embedder.
BuildFn = Callable[[Session, bool], object]


def request_job(session: Session, reason: str, user: str, rebuild: bool = False) -> IndexJob:
    job = IndexJob(reason=reason[:200], requested_by=user, rebuild=rebuild)
    session.add(job)
    session.commit()
    return job


def is_stale(job: IndexJob, now=None) -> bool:
    """A job still queued or running long after any build would end: its process was
    stopped (restart, crash) and nobody will finish it."""
    if job.state not in ("queued", "running"):
        return False
    created = job.created_at if job.created_at.tzinfo else job.created_at.replace(tzinfo=dt.UTC)
    return (now or utcnow()) - created > STALE_AFTER


def recent_jobs(session: Session, limit: int = 10) -> list[IndexJob]:
    return list(session.scalars(select(IndexJob).order_by(IndexJob.id.desc()).limit(limit)))


class JobRunner:
    """Runs queued jobs of this process in daemon threads, one build at a time."""

    def __init__(self, sessions: sessionmaker, build: BuildFn):
        self.sessions, self.build = sessions, build
        self._lock = threading.Lock()

    def start(self, job_id: int) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(job_id,), daemon=True,
                                  name=f"reindex-{job_id}")
        thread.start()
        return thread

    def run(self, job_id: int) -> None:
        with self._lock, self.sessions() as session:
            job = session.get(IndexJob, job_id)
            job.state, job.started_at = "running", utcnow()
            session.commit()
            try:
                report = self._build(job.rebuild)
            except Exception as exc:  # any failure: the old generation keeps serving
                log.exception("reindex job %s failed", job_id)
                session.rollback()
                job = session.get(IndexJob, job_id)
                job.state, job.message = "failed", f"索引失败：{exc}"[:2000]
            else:
                problems = "\n".join(f"问题：{p}" for p in report.problems)
                job.state, job.message = "done", f"{report.summary()}\n{problems}".strip()
                job.generation = report.generation
            job.finished_at = utcnow()
            session.commit()

    def _build(self, rebuild: bool):
        for _ in range(LOCK_RETRIES):
            with self.sessions() as build_session:
                try:
                    return self.build(build_session, rebuild)
                except BuildLockedError:
                    pass
            time.sleep(LOCK_WAIT)
        raise BuildLockedError("另一个索引任务一直在运行")
