"""One configuration resolver for the app, the migrations and every command (no Flask).

Layers, later ones winning: built-in defaults, then `instance/config.py`, then `CASEBASE_*`
environment variables (or, for tests, a mapping that replaces the last two). `CASESEARCH_*`
was this project's first prefix: it is still read for one release, with a warning, and a
`CASEBASE_` variable of the same name wins over it.
"""

from __future__ import annotations

import json
import os
import runpy
import warnings
from collections.abc import Mapping
from pathlib import Path

PREFIX = "CASEBASE_"
LEGACY_PREFIX = "CASESEARCH_"
PACKAGE_ROOT = Path(__file__).resolve().parent
# Variables that name a process setting rather than a config key (gunicorn, tests, model prep).
NOT_CONFIG = frozenset({"BIND", "WORKERS", "THREADS", "TIMEOUT", "MAX_REQUESTS", "ACCESS_LOG",
                        "LOG_LEVEL", "MODEL_DIR", "PG_DIR", "TEST_PG_URL", "INSTANCE_PATH"})


def project_root() -> Path:
    """The checkout when running from one, else the working directory (an installed wheel)."""
    if (PACKAGE_ROOT / "pyproject.toml").is_file() and (PACKAGE_ROOT / "cases").is_dir():
        return PACKAGE_ROOT
    return Path.cwd()


def instance_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the index, database, models and local config live."""
    explicit = environ.get(PREFIX + "INSTANCE_PATH")
    return Path(explicit) if explicit else project_root() / "instance"


def defaults(instance: Path) -> dict:
    return {
        "SECRET_KEY": None,
        "CASES_DIR": str(project_root() / "cases"),
        "INDEX_DIR": str(instance / "index"),
        "DATABASE_URL": "sqlite:///" + str(instance / "casebase.sqlite"),
        "EMBEDDING_MODEL": "default",
        "EMBEDDING_BACKEND": "auto",  # torch-bf16 for documents where the CPU has bf16
        "MODELS_DIR": str(instance / "models"),
        "CACHE_DIR": str(instance / "cache"),
        # Seconds between checks for a newer index generation (each worker switches by itself).
        "INDEX_CHECK_INTERVAL": 1.0,
        # Migrate the schema at start-up; False leaves it to `casebase db upgrade` (e.g. when the
        # web user may not run DDL).
        "CREATE_SCHEMA": True,
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "LOG_QUERIES": True,
        "JSON_AS_ASCII": False,
        # The editor area (/admin): editable copies of the analyzer's data files (read instead
        # of the shipped ones; None reads only the shipped files), the upload cap, the login
        # rate limit and the mean-vector cosine from which a draft is flagged as a near-duplicate.
        "EDITABLE_DATA_DIR": str(instance / "data"),
        "UPLOAD_MAX_BYTES": 20 * 1024 * 1024,
        "RATELIMIT_LOGIN": "10 per minute",
        "DUPLICATE_SIMILARITY": 0.93,
        # Failed logins are limited per client address and account (RATELIMIT_LOGIN) and per
        # address over all accounts (RATELIMIT_LOGIN_ADDRESS): one client cannot lock out
        # another. Behind a reverse proxy, TRUSTED_PROXIES is how many proxies stand in front
        # of gunicorn (nginx alone: 1); 0 trusts no X-Forwarded-* header.
        "RATELIMIT_LOGIN_ADDRESS": "30 per minute",
        "TRUSTED_PROXIES": 0,
        # An editor's session ends after this many idle hours, at logout and at a password change.
        "ADMIN_SESSION_IDLE_HOURS": 12,
        # Drafts one upload may make (a larger report is refused with a clear message).
        "UPLOAD_MAX_DRAFTS": 200,
        # Reindex jobs: a running job writes a heartbeat every JOB_HEARTBEAT_SECONDS; one silent
        # for JOB_STALE_SECONDS is taken to be dead and run again, up to JOB_MAX_ATTEMPTS times.
        "JOB_HEARTBEAT_SECONDS": 5,
        "JOB_STALE_SECONDS": 60,
        "JOB_MAX_ATTEMPTS": 3,
        # Embedding in other sites works out of the box: the read-only API and the widget
        # answer any origin (no credentials are ever involved) and /embed may be framed by
        # any site. A list of origins narrows either; every other page stays unframeable.
        "CORS_ORIGINS": "*",
        "FRAME_ANCESTORS": "*",
        "RATELIMIT_API": "120 per minute",
    }


def resolve(overrides: Mapping | None = None, *, instance: Path | None = None,
            environ: Mapping[str, str] = os.environ) -> dict:
    """The effective configuration; `overrides` (tests) replace the file and environment layers."""
    instance = instance or instance_path(environ)
    config = defaults(instance)
    if overrides is not None:
        config.update(overrides)
        return config
    config_file = instance / "config.py"
    if config_file.is_file():
        loaded = runpy.run_path(str(config_file))
        config.update({k: v for k, v in loaded.items() if k.isupper()})
    config.update(environment_layer(environ))
    return config


def environment_layer(environ: Mapping[str, str]) -> dict:
    """`CASEBASE_X` (and legacy `CASESEARCH_X`) as config keys, values parsed like Flask does."""
    found: dict = {}
    legacy = sorted(k for k in environ if k.startswith(LEGACY_PREFIX))
    if legacy:
        warnings.warn(f"环境变量前缀 {LEGACY_PREFIX} 将在下一版停用，请改用 {PREFIX}："
                      + "、".join(legacy), FutureWarning, stacklevel=3)
    for prefix in (LEGACY_PREFIX, PREFIX):  # the new prefix is applied last, so it wins
        for key, value in environ.items():
            name = key[len(prefix):]
            if key.startswith(prefix) and name and name not in NOT_CONFIG:
                found[name] = _parse(value)
    return found


def _parse(value: str):
    """JSON where it parses (numbers, booleans, lists), the plain string otherwise."""
    try:
        return json.loads(value)
    except ValueError:
        return value
