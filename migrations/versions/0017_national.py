"""national scale: roll-ups get a TOTAL row per unit (the sum of its other rows) and an index
by month that carries the figures (PostgreSQL: INCLUDE), so national and province dashboards
read one row per unit plus the period's months, from the index; a partial index of void
vouchers (dues counted "unless the receipt was voided" read every voucher of the nation)

The TOTAL rows are made here from the rows already built (one INSERT … SELECT), so built
roll-ups stay built.

Revision ID: 0017_national
Revises: 0009_documents
Create Date: 2026-11-29 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_national'
down_revision = '0009_documents'
branch_labels = None
depends_on = None

TOTAL = 999_999  # assoc.services.tally.TOTAL
FIGURES = ['members', 'dues_paid', 'dues', 'money_in', 'money_out', 'awards', 'award_amount',
           'award_paid', 'events', 'event_target', 'raised', 'in_kind']


def upgrade():
    with op.batch_alter_table('unit_tally', schema=None) as batch_op:
        batch_op.create_index('ix_unit_tally_month', ['month', 'unit_id'], unique=False,
                              postgresql_include=FIGURES)
    with op.batch_alter_table('voucher', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_void', ['id'], unique=False,
                              postgresql_where=sa.text("status = 'void'"),
                              sqlite_where=sa.text("status = 'void'"))
    op.execute(sa.text(
        "INSERT INTO unit_tally (unit_id, month, members, dues_paid, dues, money_in, money_out, "
        "awards, award_amount, award_paid, events, event_target, raised, in_kind) "
        "SELECT unit_id, :total, sum(members), 0, sum(dues), sum(money_in), sum(money_out), "
        "sum(awards), sum(award_amount), sum(award_paid), sum(events), sum(event_target), "
        "sum(raised), sum(in_kind) FROM unit_tally WHERE month <> :total GROUP BY unit_id"
    ).bindparams(total=TOTAL))


def downgrade():
    op.execute(sa.text("DELETE FROM unit_tally WHERE month = :total").bindparams(total=TOTAL))
    with op.batch_alter_table('voucher', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_void')
    with op.batch_alter_table('unit_tally', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_tally_month')
