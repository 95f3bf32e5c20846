"""Data version (SQLite): a one-row table whose random token every writing transaction
replaces, so cached page parts (the dashboard) are rebuilt as soon as the data changes.
PostgreSQL keys them by its snapshot and leaves the table empty.

Revision ID: 0020_data_version
Revises: 0019_words
"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_data_version'
down_revision = '0019_words'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_version',
        sa.Column('token', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_data_version')))
    op.bulk_insert(table, [{'token': secrets.randbits(62)}])


def downgrade():
    op.drop_table('data_version')
