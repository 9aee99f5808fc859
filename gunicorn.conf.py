"""gunicorn settings for 村案通: `gunicorn -c gunicorn.conf.py` (see docs/deploy.md).

Every worker builds the app itself (preload_app = False), so each loads the embedding model
and opens the index once, at start, and none shares a half-initialised model by fork.
Workers pick up a new index generation within a second of `casebase index` publishing it.
Settings come from the environment so one file serves every host.
"""

import multiprocessing
import os

wsgi_app = "app:create_app()"
bind = os.environ.get("CASEBASE_BIND", "127.0.0.1:5000")
# Search is CPU-bound (query embedding): about one worker per core, at least two so a slow
# request or a restarting worker never leaves the site without one.
workers = int(os.environ.get("CASEBASE_WORKERS", max(2, min(multiprocessing.cpu_count(), 4))))
# A few threads per worker keep slow clients (county networks, phones) from holding a worker.
worker_class = "gthread"
threads = int(os.environ.get("CASEBASE_THREADS", 4))
preload_app = False
timeout = int(os.environ.get("CASEBASE_TIMEOUT", 60))  # loading the model takes a while
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (with jitter, so never all at once) to bound memory growth.
max_requests = int(os.environ.get("CASEBASE_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("CASEBASE_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("CASEBASE_LOG_LEVEL", "info")
# Bounded request lines and headers: oversized ones are refused before the app sees them.
limit_request_line = 8190
limit_request_fields = 100
