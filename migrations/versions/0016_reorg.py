"""reorganisation: applied plans and what each did to a unit

Revision ID: 0016_reorg
Revises: 0008_tally
Create Date: 2026-11-29 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_reorg'
down_revision = '0008_tally'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reorg_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('effective', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_reorg_plan_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_reorg_plan_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reorg_plan'))
    )
    with op.batch_alter_table('reorg_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reorg_plan_effective'), ['effective'], unique=False)
        batch_op.create_index(batch_op.f('ix_reorg_plan_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('effective', sa.Date(), nullable=False),
    sa.Column('old_name', sa.String(length=200), nullable=False),
    sa.Column('old_code', sa.String(length=40), nullable=False),
    sa.Column('old_parent_id', sa.Integer(), nullable=True),
    sa.Column('successor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['old_parent_id'], ['unit.id'], name=op.f('fk_unit_change_old_parent_id_unit')),
    sa.ForeignKeyConstraint(['plan_id'], ['reorg_plan.id'], name=op.f('fk_unit_change_plan_id_reorg_plan')),
    sa.ForeignKeyConstraint(['successor_id'], ['unit.id'], name=op.f('fk_unit_change_successor_id_unit')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_change_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_change'))
    )
    with op.batch_alter_table('unit_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_change_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_change_successor_id'), ['successor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_change_unit_id'), ['unit_id'], unique=False)


    with op.batch_alter_table('member_transfer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_member_transfer_plan_id'), ['plan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_member_transfer_plan_id_reorg_plan'), 'reorg_plan', ['plan_id'], ['id'])


def downgrade():
    with op.batch_alter_table('member_transfer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_member_transfer_plan_id_reorg_plan'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_member_transfer_plan_id'))
        batch_op.drop_column('plan_id')

    op.drop_table('unit_change')
    op.drop_table('reorg_plan')
