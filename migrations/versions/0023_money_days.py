"""Roll-ups: dues, money in and money out also get a row per day (key yyyymmdd), so the cut days
of a period report at province or national scope read a few rows per sub-unit instead of every
voucher and dues payment of those days. No schema change: the old roll-ups are forgotten and
built again by the first report that reads them, or at once by `flask rebuild-rollups` (do
that right after upgrading a big database: the nation's takes minutes).

Revision ID: 0023_money_days
Revises: 0022_day_figures
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_money_days'
down_revision = '0022_day_figures'
branch_labels = None
depends_on = None


def upgrade():
    # A unit without a tallied_unit row is rebuilt from its records when next read; the
    # per-level rows are sums of the unit rows, so they go with them.
    op.execute("DELETE FROM subtree_tally")
    op.execute("DELETE FROM unit_tally")
    op.execute("DELETE FROM tallied_unit")


def downgrade():
    # The older code reads no key above TOTAL; rebuilding drops the day rows.
    op.execute("DELETE FROM subtree_tally")
    op.execute("DELETE FROM unit_tally")
    op.execute("DELETE FROM tallied_unit")
