"""Editor safety (issue 21): session versions, upload digests, override notes, client
addresses in the audit log, dismissed queries, case redirects, job owners, heartbeats and attempts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_redirects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('old_slug', sa.String(length=80), nullable=False),
    sa.Column('new_slug', sa.String(length=80), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('old_slug')
    )
    op.create_table('dismissed_queries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('dismissed_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('query')
    )
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), server_default='1',
                                   nullable=False))
    with op.batch_alter_table('uploads') as batch:
        batch.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_uploads_sha256'), 'uploads', ['sha256'], unique=False)
    with op.batch_alter_table('revisions') as batch:
        batch.add_column(sa.Column('note', sa.Text(), nullable=True))
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('address', sa.String(length=64), nullable=True))
    with op.batch_alter_table('index_jobs') as batch:
        batch.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('owner', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('attempts', sa.Integer(), server_default='0',
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('index_jobs') as batch:
        batch.drop_column('attempts')
        batch.drop_column('owner')
        batch.drop_column('heartbeat_at')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('address')
    with op.batch_alter_table('revisions') as batch:
        batch.drop_column('note')
    op.drop_index(op.f('ix_uploads_sha256'), table_name='uploads')
    with op.batch_alter_table('uploads') as batch:
        batch.drop_column('sha256')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_version')
    op.drop_table('dismissed_queries')
    op.drop_table('case_redirects')
