"""Start this node's sync with the shared database (editorial/nodesync.py) when configured.

`NODE_SYNC = True` on every web node of a multi-node set-up: each keeps its own CASES_DIR and
INDEX_DIR, and cases published on any node reach the others through PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

from analysis import segment
from editorial.nodesync import NodeSync
from indexer.build import build_index


def init_app(app: Flask) -> None:
    if not app.config.get("NODE_SYNC"):
        return
    url = make_url(app.config["DATABASE_URL"])
    listen = None
    if url.get_backend_name() == "postgresql":
        listen = url.set(drivername="postgresql").render_as_string(hide_password=False)
    index_dir = Path(app.config["INDEX_DIR"])
    embedder = app.extensions["casesearch"].embedder

    data_dir = app.config.get("EDITABLE_DATA_DIR")

    def build(session, rebuild: bool):
        segment.reload_if_changed()  # a synced dictionary copy: analyse with it
        return build_index(Path(app.config["CASES_DIR"]), index_dir, session, embedder,
                           rebuild=rebuild)

    sync = NodeSync(app.extensions["casebase_sessionmaker"], Path(app.config["CASES_DIR"]),
                    build, listen, index_dir.with_name(index_dir.name + ".sync.lock"),
                    float(app.config.get("NODE_SYNC_INTERVAL", 5.0)),
                    Path(data_dir) if data_dir else None)
    app.extensions["casebase_node_sync"] = sync
    sync.start()
