"""per-level roll-ups: subtree_tally holds, for every unit and month, the sum of the unit_tally
rows of the unit's whole sub-tree (as the tree is now), so a province or national dashboard and
a whole-months period report read a few rows instead of every unit's. Kept by services.tally in
the writing transaction; filled here from the roll-ups already built (units not built yet are
added when they are, as their rows appear).

Revision ID: 0018_levels
Revises: 0017_national
Create Date: 2026-11-29 19:00:00

"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_levels'
down_revision = '0017_national'
branch_labels = None
depends_on = None

FIGURES = ['members', 'dues_paid', 'dues', 'money_in', 'money_out', 'awards', 'award_amount',
           'award_paid', 'events', 'event_target', 'raised', 'in_kind']
INTEGER = {'members', 'dues_paid', 'awards', 'events'}


def upgrade():
    table = op.create_table(
        'subtree_tally',
        sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('month', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('unit_rows', sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer() if name in INTEGER else sa.BigInteger(), nullable=False)
          for name in FIGURES),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'],
                                name=op.f('fk_subtree_tally_unit_id_unit')),
        sa.PrimaryKeyConstraint('unit_id', 'month', name=op.f('pk_subtree_tally')),
    )
    # Every unit row counts at the unit and at each unit above it (ids read from its path).
    conn = op.get_bind()
    ancestors = {unit_id: [int(i) for i in path.strip('/').split('/')]
                 for unit_id, path in conn.execute(sa.text('SELECT id, path FROM unit'))}
    sums = defaultdict(lambda: [0] * (len(FIGURES) + 1))
    for unit_id, month, *figures in conn.execute(sa.text(
            f"SELECT unit_id, month, {', '.join(FIGURES)} FROM unit_tally")):
        for ancestor in ancestors[unit_id]:
            row = sums[ancestor, month]
            row[0] += 1
            for i, value in enumerate(figures, start=1):
                row[i] += value
    rows = [{'unit_id': u, 'month': m, 'unit_rows': v[0], **dict(zip(FIGURES, v[1:]))}
            for (u, m), v in sorted(sums.items())]
    for start in range(0, len(rows), 10_000):
        op.bulk_insert(table, rows[start:start + 10_000])


def downgrade():
    op.drop_table('subtree_tally')
