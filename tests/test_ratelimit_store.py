"""Rate limits shared by every worker: RATELIMIT_STORAGE_URI on a real redis-server.

Two apps stand for two worker processes (or two nodes): with the default memory storage each
has its own budget; with redis they spend one. The server is the project's own throw-away
redis (scripts/redis.sh, Debian's redis-server), on loopback.
"""

from __future__ import annotations

import secrets
import subprocess
import tempfile
from pathlib import Path

import pytest
from pg_support import in_ci
from worlds import FIXTURE_CASES
from worlds import make_world

pytestmark = pytest.mark.redis
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "redis.sh"


@pytest.fixture(scope="module")
def redis_url():
    directory = Path(tempfile.mkdtemp(prefix="casebase-redis-")) / "redis"
    try:
        proc = subprocess.run(["bash", str(SCRIPT), "start", str(directory)], capture_output=True,
                              text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        proc = None
        reason = str(exc)
    if proc is None or proc.returncode != 0:
        reason = proc.stderr.strip()[-500:] if proc is not None else reason
        if in_ci():
            pytest.fail(f"redis unavailable: {reason}", pytrace=False)
        pytest.skip(f"redis unavailable: {reason}")
    yield proc.stdout.strip()
    subprocess.run(["bash", str(SCRIPT), "stop", str(directory)], capture_output=True, timeout=60)


def _workers(tmp_path: Path, storage: str):
    """Two apps over the same index and database, as two gunicorn workers would be."""
    first = make_world(tmp_path, FIXTURE_CASES, RATELIMIT_STORAGE_URI=storage,
                       RATELIMIT_API="3 per minute")
    second = make_world(tmp_path, FIXTURE_CASES, RATELIMIT_STORAGE_URI=storage,
                        RATELIMIT_API="3 per minute")
    return first.test_client(), second.test_client()


def _codes(clients, address: str) -> list[int]:
    return [clients[i % 2].get("/api/v1/facets", environ_base={"REMOTE_ADDR": address}).status_code
            for i in range(6)]


def test_memory_storage_gives_each_worker_its_own_budget(tmp_path):
    assert _codes(_workers(tmp_path, "memory://"), "10.1.0.1") == [200] * 6


def test_redis_storage_is_one_budget_for_every_worker(tmp_path, redis_url):
    clients = _workers(tmp_path, redis_url)
    address = f"10.2.{secrets.randbelow(250)}.{secrets.randbelow(250)}"  # fresh key per run
    assert _codes(clients, address) == [200, 200, 200, 429, 429, 429]
    assert clients[1].get("/api/v1/facets").status_code == 200  # other addresses unaffected
