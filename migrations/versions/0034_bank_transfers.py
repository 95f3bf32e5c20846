"""Money by bank transfer (issue 33): bank accounts of units, imported statements and their
lines (one per fingerprint), the bank reference on a voucher, printed numbers of pledges and
events (their transfer codes UH… and SK…; existing rows take their id).

Revision ID: 0034_bank_transfers
Revises: 0027_reorg_handovers
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0034_bank_transfers'
down_revision = '0027_reorg_handovers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bank_account',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('bank_bin', sa.String(length=6), nullable=False),
        sa.Column('account_number', sa.String(length=19), nullable=False),
        sa.Column('account_name', sa.String(length=100), nullable=False),
        sa.Column('fund_id', sa.Integer(), nullable=True),
        sa.Column('receiving', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['fund_id'], ['fund.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_id', 'bank_bin', 'account_number',
                            name='uq_bank_account_unit_number'),
    )
    op.create_index(op.f('ix_bank_account_unit_id'), 'bank_account', ['unit_id'])
    op.create_index(op.f('ix_bank_account_fund_id'), 'bank_account', ['fund_id'])
    op.create_table(
        'bank_statement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('date_from', sa.Date(), nullable=True),
        sa.Column('date_to', sa.Date(), nullable=True),
        sa.Column('opening_balance', sa.BigInteger(), nullable=True),
        sa.Column('closing_balance', sa.BigInteger(), nullable=True),
        sa.Column('lines_read', sa.Integer(), nullable=False),
        sa.Column('lines_booked', sa.Integer(), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['bank_account.id']),
        sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_bank_statement_account_id'), 'bank_statement', ['account_id'])
    op.create_index(op.f('ix_bank_statement_unit_id'), 'bank_statement', ['unit_id'])
    op.create_table(
        'bank_statement_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('line_date', sa.Date(), nullable=False),
        sa.Column('reference', sa.String(length=60), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('balance', sa.BigInteger(), nullable=True),
        sa.Column('description', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('booked_as', sa.String(length=20), nullable=False),
        sa.Column('vouchers', sa.JSON(), nullable=False),
        sa.Column('booked_by_id', sa.Integer(), nullable=True),
        sa.Column('booked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['bank_account.id']),
        sa.ForeignKeyConstraint(['booked_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['statement_id'], ['bank_statement.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('fingerprint', name=op.f('uq_bank_statement_line_fingerprint')),
    )
    op.create_index(op.f('ix_bank_statement_line_account_id'), 'bank_statement_line',
                    ['account_id'])
    op.create_index(op.f('ix_bank_statement_line_statement_id'), 'bank_statement_line',
                    ['statement_id'])
    op.create_index(op.f('ix_bank_statement_line_line_date'), 'bank_statement_line',
                    ['line_date'])
    with op.batch_alter_table('voucher') as batch:
        batch.add_column(sa.Column('bank_ref', sa.String(length=60), nullable=False,
                                   server_default=''))
    with op.batch_alter_table('pledge') as batch:
        batch.add_column(sa.Column('number', sa.Integer(), nullable=True))
        batch.create_unique_constraint('uq_pledge_number', ['number'])
    with op.batch_alter_table('event') as batch:
        batch.add_column(sa.Column('number', sa.Integer(), nullable=True))
        batch.create_unique_constraint('uq_event_number', ['number'])
    op.execute("UPDATE pledge SET number = id")
    op.execute("UPDATE event SET number = id")
    op.execute("INSERT INTO number_counter (name, last) "
               "SELECT 'pledge', COALESCE(MAX(id), 0) FROM pledge")
    op.execute("INSERT INTO number_counter (name, last) "
               "SELECT 'event', COALESCE(MAX(id), 0) FROM event")


def downgrade():
    op.execute("DELETE FROM number_counter WHERE name IN ('pledge', 'event')")
    with op.batch_alter_table('event') as batch:
        batch.drop_constraint('uq_event_number', type_='unique')
        batch.drop_column('number')
    with op.batch_alter_table('pledge') as batch:
        batch.drop_constraint('uq_pledge_number', type_='unique')
        batch.drop_column('number')
    with op.batch_alter_table('voucher') as batch:
        batch.drop_column('bank_ref')
    op.drop_table('bank_statement_line')
    op.drop_table('bank_statement')
    op.drop_table('bank_account')
