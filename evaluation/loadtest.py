"""A bounded load test over loopback: fixed request counts at fixed concurrency levels.

It drives a running server (or starts gunicorn with the project's gunicorn.conf.py) and
reports requests per second, p50/p95 latency and errors for search and recommend. Client
threads run on the same machine as the server, so the figures are a floor, not a ceiling.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from evaluation.procs import free_port
from evaluation.procs import stop_process

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ("光伏", "土地流转", "村集体+公司+农户", "红色资源 研学", "闲置村部怎么盘活", "750亩",
           "茶叶 合作社", "抛荒地", "乡村旅游", "消薄")
PROFILES = (
    {"terrain": "丘陵", "resources": ["闲置村部", "红色资源"], "income_wan": 5},
    {"resources": ["抛荒地", "劳动力"], "goals": "带动农户就业"},
    {"industries": ["乡村旅游"], "terrain": "山区"},
)
MAX_BODY = 4 * 1024 * 1024  # never read more than this from one response


class ServerError(RuntimeError):
    """The server did not start or did not become healthy."""


@dataclass
class LoadResult:
    scenario: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    latencies: list[float]  # seconds, successful requests only

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def line(self) -> str:
        return (f"{self.scenario:<10} 并发 {self.concurrency:>3}  请求 {self.requests:>5}  "
                f"{self.rps:8.1f} 次/秒  p50 {self.percentile(50) * 1000:7.1f} ms  "
                f"p95 {self.percentile(95) * 1000:7.1f} ms  错误 {self.errors}")


def fetch(url: str, body: dict | None = None, timeout: float = 30.0) -> tuple[int, bytes]:
    """One request (GET, or POST of a JSON body); any HTTP status is returned, not raised."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if data:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read(MAX_BODY)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(MAX_BODY)


def scenario_request(base: str, scenario: str, i: int) -> tuple[str, dict | None]:
    if scenario == "search":
        query = urllib.request.quote(QUERIES[i % len(QUERIES)])
        return f"{base}/api/v1/search?q={query}", None
    return f"{base}/api/v1/recommend", PROFILES[i % len(PROFILES)]


def run_load(base: str, scenario: str, requests: int, concurrency: int) -> LoadResult:
    """Send `requests` requests from `concurrency` threads; a non-200 answer is an error."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(i: int) -> None:
        nonlocal errors
        url, body = scenario_request(base, scenario, i)
        started = time.perf_counter()
        try:
            status, _ = fetch(url, body)
        except OSError:
            status = 0
        elapsed = time.perf_counter() - started
        with lock:
            if status == 200:
                latencies.append(elapsed)
            else:
                errors += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests)))
    return LoadResult(scenario, concurrency, requests, errors,
                      time.perf_counter() - started, latencies)




def wait_healthy(base: str, proc: subprocess.Popen | None, timeout: float) -> dict:
    """Poll /healthz until it answers 200; raise ServerError on exit or timeout."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServerError(f"gunicorn exited with code {proc.returncode}")
        try:
            status, body = fetch(f"{base}/healthz", timeout=5)
            if status == 200:
                return json.loads(body)
            last = body.decode("utf-8", "replace")[:300]
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise ServerError(f"server at {base} not healthy after {timeout:.0f}s: {last}")


LOAD_ENV = {"CASEBASE_RATELIMIT_API": "1000000 per minute"}


@contextlib.contextmanager
def gunicorn_server(env: dict | None = None, workers: int = 2, log_path: Path | None = None,
                    timeout: float = 120.0):
    """Run gunicorn (gunicorn.conf.py) on a free loopback port; yield (base URL, process).

    The load comes from one loopback client far above a visitor's pace, so the server it
    starts lifts the API's per-client limit (RATELIMIT_API) unless `env` sets one."""
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    cmd = [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--access-logfile", os.devnull]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    env = {**os.environ, **LOAD_ENV, **(env or {})}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, timeout)
        yield base, proc
    finally:
        stop_process(proc, 30)
        if log_path:
            log.close()


def worker_pids(master_pid: int) -> set[int]:
    """The gunicorn master's current worker processes (Linux /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{master_pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found |= {int(p) for p in (task / "children").read_text().split()}
    return found


def has_recommend(base: str) -> bool:
    status, _ = fetch(f"{base}/api/v1/recommend", PROFILES[0])
    return status != 404
