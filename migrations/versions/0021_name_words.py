"""PostgreSQL: a full-text index of members' name words (`simple` configuration). A name search
reads it as a phrase of the typed words; its statistics tell a rare name (looked up) from a
common one (the list walked in order), where the regular expression's guessed selectivity once
made PostgreSQL walk 2,000,000 names to find a rare one. SQLite has its FTS5 words (0019).

Revision ID: 0021_name_words
Revises: 0020_data_version
"""
from alembic import op

from assoc import search_index

# revision identifiers, used by Alembic.
revision = '0021_name_words'
down_revision = '0020_data_version'
branch_labels = None
depends_on = None


def upgrade():
    search_index.install_pg_words(op.get_bind())


def downgrade():
    search_index.uninstall_pg_words(op.get_bind())
