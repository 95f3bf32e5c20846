"""No page cache (issue 30): the data-version table that keyed cached page parts on SQLite is
dropped. Pages are computed as they are asked for; under a mixed load (bench/bench_mixed.py)
the page cache served 0.5 % of views.

Revision ID: 0035_no_page_cache
Revises: 0033_inbox
"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0035_no_page_cache'
down_revision = '0033_inbox'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('data_version')


def downgrade():
    table = op.create_table(
        'data_version',
        sa.Column('token', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_data_version')))
    op.bulk_insert(table, [{'token': secrets.randbits(62)}])
