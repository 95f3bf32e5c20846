"""documents: the legal-basis line a unit prints under its voucher form code

Revision ID: 0009_documents
Revises: 0012_screens
Create Date: 2026-11-29 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_documents'
down_revision = '0012_screens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('treasury_setting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_basis', sa.String(length=300), server_default='',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('treasury_setting', schema=None) as batch_op:
        batch_op.drop_column('legal_basis')
