"""Word index of members' names (SQLite): a name search reads one short list per typed word
instead of a trigram phrase's dozen long ones. PostgreSQL answers it from the pg_trgm index.
An index for a unit's voucher list (unit, date, id): a page is read in order, not sorted.

Revision ID: 0019_words
Revises: 0018_levels
"""
from alembic import op

from assoc import search_index

# revision identifiers, used by Alembic.
revision = '0019_words'
down_revision = '0018_levels'
branch_labels = None
depends_on = None


def upgrade():
    search_index.install_words(op.get_bind())
    op.create_index('ix_voucher_unit_list', 'voucher', ['unit_id', 'voucher_date', 'id'])


def downgrade():
    op.drop_index('ix_voucher_unit_list', table_name='voucher')
    search_index.uninstall_words(op.get_bind())
