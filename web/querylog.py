"""Record searches (best effort) so the editor can see what found nothing and what is asked."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from db.models import QueryLog
from search.query import SearchQuery
from web.db import get_session

log = logging.getLogger(__name__)


def log_search(query: SearchQuery, total: int) -> None:
    """Store the query text and result count; a failure here never fails the search."""
    if not current_app.config.get("LOG_QUERIES") or not query.text:
        return
    filters = ";".join(f"{k}={','.join(v)}" for k, v in query.filters.items())
    session = get_session()
    try:
        session.add(QueryLog(query=query.text[:200], filters=filters[:300] or None, total=total))
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.warning("could not log query", exc_info=True)
