"""Start this node's sync with the shared database (editorial/nodesync.py) when configured.

`NODE_SYNC = True` on every web node of a multi-node set-up: each keeps its own CASES_DIR and
INDEX_DIR, and cases published on any node reach the others through PostgreSQL.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy.engine import make_url

from editorial.nodesync import NodeSync


def init_app(app: Flask) -> None:
    if not app.config.get("NODE_SYNC"):
        return
    services = app.extensions["casebase"]
    url = make_url(app.config["DATABASE_URL"])
    listen = None
    if url.get_backend_name() == "postgresql":
        listen = url.set(drivername="postgresql").render_as_string(hide_password=False)
    index_dir = services.index_dir
    sync = NodeSync(services.sessionmaker, services.cases_dir,
                    # the services' analyzer follows a synced dictionary copy on its own
                    lambda session, rebuild: services.reindex(session, rebuild=rebuild,
                                                              progress=False),
                    listen, index_dir.with_name(index_dir.name + ".sync.lock"),
                    float(app.config.get("NODE_SYNC_INTERVAL", 5.0)), services.data_dir)
    app.extensions["casebase_node_sync"] = sync
    sync.start()
