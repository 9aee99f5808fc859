"""The editor's library: users, uploads and drafts, revisions, publishing, reindex jobs and
data-file edits. Plain Python over a SQLAlchemy session passed in; never imports Flask."""
