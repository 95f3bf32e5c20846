"""roll-ups: money raised at events now counts counting sheets and gifts at the event's unit and
month (as the events summary does); forget the old roll-ups so the first dashboard (or
`flask rebuild-rollups`) builds them again. No schema change.

Revision ID: 0012_screens
Revises: 0011_security
Create Date: 2026-11-29 12:55:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_screens'
down_revision = '0011_security'
branch_labels = None
depends_on = None


def upgrade():
    # A unit without a tallied_unit row is rebuilt from its records when next read.
    op.execute("DELETE FROM unit_tally")
    op.execute("DELETE FROM tallied_unit")


def downgrade():
    # The older code rebuilds what it misses in the same way.
    op.execute("DELETE FROM unit_tally")
    op.execute("DELETE FROM tallied_unit")
