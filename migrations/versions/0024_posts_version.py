"""Posts version: a random token in `area_version` ('posts'), replaced by triggers on every
write to posts, role assignments and units, so the officer figures and the coverage of a
dashboard are kept while only money and members change (assoc/postsversion.py).

Revision ID: 0024_posts_version
Revises: 0023_money_days
"""
import sqlalchemy as sa
from alembic import op

from assoc import postsversion

# revision identifiers, used by Alembic.
revision = '0024_posts_version'
down_revision = '0023_money_days'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'area_version',
        sa.Column('area', sa.String(length=20), nullable=False),
        sa.Column('token', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('area', name=op.f('pk_area_version')))
    postsversion.install(op.get_bind())


def downgrade():
    postsversion.uninstall(op.get_bind())
    op.drop_table('area_version')
