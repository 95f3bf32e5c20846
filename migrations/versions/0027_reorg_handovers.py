"""Handovers are neither income nor spending: roll-ups keep money moved between our own books
(voucher.link_type in INTERNAL_LINKS: a reorganisation's handover, cash <-> bank) in
moved_in/moved_out, apart from money_in/money_out (the balance counts all four). The two
vouchers of each handover already written are linked as a pair (link_type 'handover',
pair_id), read from the plans that wrote them. The old roll-ups are forgotten and built again
by the first report that reads them, or at once by `flask rebuild-rollups` (do that right after
upgrading a big database: the nation's takes minutes).

Revision ID: 0027_reorg_handovers
Revises: 0026_voucher_pairs
"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027_reorg_handovers'
down_revision = '0026_voucher_pairs'
branch_labels = None
depends_on = None

TABLES = ('unit_tally', 'subtree_tally')


def _forget_rollups():
    # A unit without a tallied_unit row is rebuilt from its records when next read; the
    # per-level rows are sums of the unit rows, so they go with them.
    op.execute("DELETE FROM subtree_tally")
    op.execute("DELETE FROM unit_tally")
    op.execute("DELETE FROM tallied_unit")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('moved_in', sa.BigInteger(), nullable=False,
                                       server_default='0'))
            batch.add_column(sa.Column('moved_out', sa.BigInteger(), nullable=False,
                                       server_default='0'))
    bind = op.get_bind()
    voucher = sa.table('voucher', sa.column('id', sa.Integer), sa.column('pair_id', sa.Integer),
                       sa.column('link_type', sa.String))
    for (summary,) in bind.execute(sa.text("SELECT summary FROM reorg_plan")):
        if isinstance(summary, str):
            summary = json.loads(summary or "{}")
        ids = ((summary or {}).get("undo") or {}).get("vouchers") or []
        # Written two by two: the payment out of the old book, then the receipt into the new.
        for out, into in zip(ids[0::2], ids[1::2], strict=False):
            for one, other in ((out, into), (into, out)):
                bind.execute(voucher.update().where(voucher.c.id == one).values(
                    link_type='handover', pair_id=other))
    _forget_rollups()


def downgrade():
    _forget_rollups()
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('moved_out')
            batch.drop_column('moved_in')
