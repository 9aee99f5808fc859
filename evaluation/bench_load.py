"""The load part of `casebase bench`: serve a built index on loopback and hit /api/v1/search.

The server is the product's own `casebase serve` (waitress) in a subprocess on a free
127.0.0.1 port; each level runs a bounded number of requests from that many threads.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from evaluation.bench_setup import percentiles
from evaluation.procs import free_port
from evaluation.procs import stop_process

ROOT = Path(__file__).resolve().parent.parent
LEVELS = (1, 4, 16)
REQUESTS_PER_THREAD = 25
STARTUP_TIMEOUT = 180.0




def _get(url: str, timeout: float = 30.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait_ready(proc: subprocess.Popen, url: str) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < STARTUP_TIMEOUT:
        if proc.poll() is not None:
            raise RuntimeError(f"casebase serve exited with {proc.returncode}")
        try:
            if _get(url, timeout=5) == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("casebase serve did not answer in time")


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load_level(base: str, queries: list[str], concurrency: int,
               per_thread: int = REQUESTS_PER_THREAD) -> dict:
    """`concurrency` threads, each sending `per_thread` searches one after another."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        for i in range(per_thread):
            q = queries[(offset + i) % len(queries)]
            url = f"{base}/api/v1/search?{urllib.parse.urlencode({'q': q})}"
            started = time.perf_counter()
            try:
                status = _get(url)
            except OSError as exc:
                status = str(exc)
            with lock:
                times.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    errors.append(str(status))

    threads = [threading.Thread(target=worker, args=(i * 7,)) for i in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    p = percentiles(times)
    return {"concurrency": concurrency, "requests": len(times), "rps": len(times) / elapsed,
            "p50_ms": p["p50"], "p95_ms": p["p95"], "errors": len(errors),
            "error_samples": sorted(set(errors))[:3]}


def serve_and_load(work: Path, cases_dir: Path, spec: str, models_dir: Path,
                   queries: list[str], levels=LEVELS, backend: str = "auto") -> dict:
    """Start the server over the index in `work`, run every level, stop it."""
    port = free_port()
    env = dict(os.environ, CASEBASE_INDEX_DIR=str(work / "index"),
               CASEBASE_EMBEDDING_BACKEND=backend,
               CASEBASE_DATABASE_URL=f"sqlite:///{work / 'eval.sqlite'}",
               CASEBASE_CASES_DIR=str(cases_dir), CASEBASE_EMBEDDING_MODEL=spec,
               CASEBASE_MODELS_DIR=str(models_dir),
               CASEBASE_RATELIMIT_API="1000000 per minute")  # one client, on purpose
    cmd = [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1",
           "--port", str(port)]
    with (work / "serve.log").open("wb") as log:  # a file, not a pipe: a full pipe blocks
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        startup = _wait_ready(proc, f"{base}/api/v1/search?q=%E5%85%89%E4%BC%8F")
        out = {"startup_s": startup, "levels": [load_level(base, queries, c) for c in levels]}
        out["peak_rss_mb"] = peak_rss_mb(proc.pid)
        return out
    finally:
        stop_process(proc, 20)
