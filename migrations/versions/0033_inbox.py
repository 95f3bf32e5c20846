"""Work inbox reminders (issue 32): each account's digest setting (daily / weekly / never) and
the record of every reminder e-mailed, so nothing is sent twice.

Revision ID: 0033_inbox
Revises: 0029_frozen_papers
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0033_inbox'
down_revision = '0029_frozen_papers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('digest', sa.String(length=10), server_default='daily',
                                   nullable=False))
    op.create_table(
        'reminder_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('sent_on', sa.Date(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_reminder_sent_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
        sa.UniqueConstraint('user_id', 'key', name='uq_reminder_sent_user_key'),
    )
    with op.batch_alter_table('reminder_sent') as batch:
        batch.create_index(batch.f('ix_reminder_sent_user_id'), ['user_id'], unique=False)
        batch.create_index(batch.f('ix_reminder_sent_sent_on'), ['sent_on'], unique=False)


def downgrade():
    op.drop_table('reminder_sent')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('digest')
