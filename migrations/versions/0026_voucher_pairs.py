"""Voucher pairs: the payment out of one book and the receipt into another of an internal move
(a reorganisation's handover, cash <-> bank) point at each other (voucher.pair_id).

Revision ID: 0026_voucher_pairs
Revises: 0025_award_days
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026_voucher_pairs'
down_revision = '0025_award_days'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('voucher') as batch:
        batch.add_column(sa.Column('pair_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_voucher_pair_id'), ['pair_id'], unique=False)
        batch.create_foreign_key('fk_voucher_pair_id_voucher', 'voucher', ['pair_id'], ['id'])


def downgrade():
    with op.batch_alter_table('voucher') as batch:
        batch.drop_constraint('fk_voucher_pair_id_voucher', type_='foreignkey')
        batch.drop_index(batch.f('ix_voucher_pair_id'))
        batch.drop_column('pair_id')
