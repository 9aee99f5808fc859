"""村案通: the Flask app factory.

Configuration comes from `settings.resolve` (defaults, instance/config.py, CASEBASE_*
environment, or the tests' mapping); every view lives in a blueprint under `web/`.
"""

from __future__ import annotations

import os
import secrets

from flask import Flask

import settings as casebase_config
from web import admin
from web import api_legacy
from web import api_v1
from web import assets
from web import core
from web import db
from web import errors
from web import health
from web import params
from web import proxy
from web import recommend
from web import security
from web import services
from web import trainer
from web import widget


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from the resolved configuration (tests pass their own mapping)."""
    instance = casebase_config.instance_path()
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    app.config.from_mapping(casebase_config.resolve(test_config, instance=instance))
    # A per-process random key is safe (no sessions need to survive a restart) but a
    # deployment with several workers sets CASEBASE_SECRET_KEY so their forms agree.
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or secrets.token_hex(32)
    app.json.ensure_ascii = False
    os.makedirs(app.instance_path, exist_ok=True)

    # proxy and params first: the client address and the `<int:>` converter apply to every rule
    for part in (proxy, params, services, db, errors, assets, core, health, security, recommend,
                 trainer, api_v1, api_legacy, widget, admin):
        part.init_app(app)
    return app
