"""An index of scholarship awards by the time they were decided: the cut days of a period
report (15/01–10/06) read the awards of those days, which read every nomination before.

Revision ID: 0025_award_days
Revises: 0024_posts_version
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025_award_days'
down_revision = '0024_posts_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f('ix_scholarship_nomination_decided_at'), 'scholarship_nomination',
                    ['decided_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_scholarship_nomination_decided_at'),
                  table_name='scholarship_nomination')
