"""Background reindex jobs that finish: rows in SQL, run by threads, recovered after a crash.

A request records a job (or merges into one still queued) and returns; a thread of the same
process runs it. While a job waits or runs, its thread writes a heartbeat every few seconds.
A job whose owner process is gone (same host, pid not alive) or whose heartbeat has been
silent for `stale_seconds` is claimed by a live process and run again, up to `max_attempts`
times: at start-up (`recover()`), and whenever someone looks at a stale job. Builds are
idempotent (the build reads the case files and data files as they are now), so running one
again is safe. Builds in one process run one at a time; across processes indexer.store's
build lock serialises them, and a job that finds it taken waits and tries again.

Why not a task queue: huey takes a task off its queue before running it, so a kill -9 loses
it (its retries are for exceptions), and it needs a consumer process and its own SQLite file
or Redis; procrastinate recovers stalled jobs but only on PostgreSQL (this project also runs
on SQLite) and needs its own worker. Job rows were already in our database; a heartbeat, an
owner and one conditional UPDATE per claim give retries and crash recovery in this module.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from db.models import utcnow
from editorial.models import IndexJob
from indexer.store import BuildLockedError

log = logging.getLogger(__name__)
LOCK_RETRIES = 120
LOCK_WAIT = 0.5
OPEN = ("queued", "running")
# build(session, rebuild) -> BuildReport: the app passes indexer.build.build_index bound to
# its cases folder, index folder and embedder.
BuildFn = Callable[[Session, bool], object]
HOST = socket.gethostname()[:40]
# This process, told apart from a later one that is given the same pid.
OWNER = f"{HOST}:{os.getpid()}:{secrets.token_hex(4)}"


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def owner_gone(owner: str | None) -> bool:
    """Whether the process named by `owner` is known to be gone (only provable on this host)."""
    if not owner or owner.count(":") != 2:
        return False
    host, pid, token = owner.split(":")
    if host != HOST or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return owner != OWNER  # this pid belonged to an earlier process
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _zombie(int(pid))


def _zombie(pid: int) -> bool:
    """A killed process nobody has reaped yet still answers kill(pid, 0)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def is_stale(job: IndexJob, now=None, stale_seconds: float = 60) -> bool:
    """A queued or running job nobody is looking after: its process is gone, or its heartbeat
    (or, before the first one, its creation) is older than `stale_seconds`."""
    if job.state not in OPEN:
        return False
    last = _aware(job.heartbeat_at or job.started_at or job.created_at)
    return owner_gone(job.owner) or (now or utcnow()) - last > dt.timedelta(
        seconds=stale_seconds)


def request_job(session: Session, reason: str, user: str, rebuild: bool = False) -> IndexJob:
    job = IndexJob(reason=reason[:200], requested_by=user, rebuild=rebuild, owner=OWNER,
                   heartbeat_at=utcnow())
    session.add(job)
    session.commit()
    return job


def recent_jobs(session: Session, limit: int = 10) -> list[IndexJob]:
    return list(session.scalars(select(IndexJob).order_by(IndexJob.id.desc()).limit(limit)))


class Runner:
    """Runs this process's jobs in daemon threads, one build at a time (no Flask needed)."""

    def __init__(self, sessions: sessionmaker, build: BuildFn, *, heartbeat_seconds: float = 5,
                 stale_seconds: float = 60, max_attempts: int = 3):
        if not 0 < heartbeat_seconds < stale_seconds:
            raise ValueError("JOB_HEARTBEAT_SECONDS 应大于 0 且小于 JOB_STALE_SECONDS，"
                             "否则运行中的任务会被当成中断")
        self.sessions, self.build = sessions, build
        self.heartbeat_seconds, self.stale_seconds = heartbeat_seconds, stale_seconds
        self.max_attempts = max_attempts
        self._lock = threading.Lock()

    def submit(self, session: Session, reason: str, user: str,
               rebuild: bool = False) -> IndexJob:
        """Merge into this process's job still waiting to start, else record and start one:
        edits in a row make one build (a rebuild if any of them asked for one)."""
        waiting = session.scalar(select(IndexJob).where(
            IndexJob.state == "queued", IndexJob.owner == OWNER).order_by(IndexJob.id).limit(1))
        if waiting is not None:
            merged = session.execute(
                update(IndexJob).where(IndexJob.id == waiting.id, IndexJob.state == "queued")
                .values(rebuild=or_(IndexJob.rebuild, rebuild),
                        reason=(waiting.reason + "；" + reason)[:200]))
            session.commit()
            if merged.rowcount == 1:
                return session.get(IndexJob, waiting.id, populate_existing=True)
        job = request_job(session, reason, user, rebuild)
        self.start(job.id)
        return job

    def start(self, job_id: int) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(job_id,), daemon=True,
                                  name=f"reindex-{job_id}")
        thread.start()
        return thread

    def recover(self) -> list[int]:
        """Claim every open job whose process is gone or silent, and run it again here."""
        taken = []
        with self.sessions() as session:
            for job in session.scalars(select(IndexJob).where(IndexJob.state.in_(OPEN))):
                if is_stale(job, stale_seconds=self.stale_seconds) and self._claim(session, job):
                    taken.append(job.id)
        for job_id in taken:
            self.start(job_id)
        return taken

    def _claim(self, session: Session, job: IndexJob) -> bool:
        """Make this process the owner, if nobody else did first; give up after max_attempts."""
        if job.attempts >= self.max_attempts:
            session.execute(update(IndexJob).where(
                IndexJob.id == job.id, IndexJob.owner == job.owner, IndexJob.state.in_(OPEN))
                .values(state="failed", finished_at=utcnow(),
                        message=f"处理这个任务的进程中断了 {job.attempts} 次，已放弃："
                                "请运行 casebase index"))
            session.commit()
            return False
        done = session.execute(update(IndexJob).where(
            IndexJob.id == job.id, IndexJob.owner == job.owner, IndexJob.state.in_(OPEN))
            .values(state="queued", owner=OWNER, heartbeat_at=utcnow()))
        session.commit()
        if done.rowcount == 1:
            log.warning("reindex job %s left by %s: running it again", job.id, job.owner)
        return done.rowcount == 1

    def run(self, job_id: int) -> None:
        stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(job_id, stop), daemon=True)
        beat.start()
        try:
            with self._lock, self.sessions() as session:
                self._run(session, job_id)
        finally:
            stop.set()

    def _run(self, session: Session, job_id: int) -> None:
        started = session.execute(update(IndexJob).where(
            IndexJob.id == job_id, IndexJob.state == "queued", IndexJob.owner == OWNER)
            .values(state="running", started_at=utcnow(), attempts=IndexJob.attempts + 1))
        session.commit()
        if started.rowcount != 1:
            return  # another process claimed it
        job = session.get(IndexJob, job_id, populate_existing=True)  # rebuild as merged
        try:
            report = self._build(job.rebuild)
            problems = "\n".join(f"问题：{p}" for p in report.problems)
            message, generation = f"{report.summary()}\n{problems}".strip(), report.generation
        except Exception as exc:  # any failure: the old generation keeps serving
            log.exception("reindex job %s failed", job_id)
            session.rollback()
            job = session.get(IndexJob, job_id)
            job.state, job.message = "failed", f"索引失败：{exc}"[:2000]
        else:
            job.state, job.message, job.generation = "done", message, generation
        job.finished_at = utcnow()
        session.commit()

    def _beat(self, job_id: int, stop: threading.Event) -> None:
        """Tell other processes this job is looked after, until it ends."""
        while not stop.wait(self.heartbeat_seconds):
            try:
                with self.sessions() as session:
                    session.execute(update(IndexJob).where(
                        IndexJob.id == job_id, IndexJob.owner == OWNER,
                        IndexJob.state.in_(OPEN)).values(heartbeat_at=utcnow()))
                    session.commit()
            except Exception:  # a missed beat is no reason to stop the build
                log.exception("heartbeat of job %s", job_id)

    def _build(self, rebuild: bool):
        for _ in range(LOCK_RETRIES):
            with self.sessions() as build_session:
                try:
                    return self.build(build_session, rebuild)
                except BuildLockedError:
                    pass
            time.sleep(LOCK_WAIT)
        raise BuildLockedError("另一个索引任务一直在运行")
