"""PostgreSQL: covering indexes of vouchers and dues payments by day, so the cut days of a
period report at province or national scope (every voucher and dues payment of those days)
are read from the indexes alone. SQLite keeps its (unit, date) indexes.

Revision ID: 0022_day_figures
Revises: 0021_name_words
"""
from alembic import op

from assoc import search_index

# revision identifiers, used by Alembic.
revision = '0022_day_figures'
down_revision = '0021_name_words'
branch_labels = None
depends_on = None


def upgrade():
    search_index.install_pg_figures(op.get_bind())


def downgrade():
    search_index.uninstall_pg_figures(op.get_bind())
