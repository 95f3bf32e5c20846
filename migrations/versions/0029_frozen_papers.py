"""Frozen papers (issue 28 part 1): voucher.paper (and learning_recognition.paper for certificates,
periodic_report.paper for accepted reports) keeps, from issue on, everything the voucher's
paper prints that could change later (form code and legal basis, signers' titles and names, the
amount in words, unit, fund and party names). Vouchers issued before this revision get theirs
from the unit's settings as they stand now (the best record of what their original showed).

Also: learning_entry.withdrawn_at / withdrawn_reason / withdrawn_by_id (an entry withdrawn with
its reason is counted nowhere after).

Revision ID: 0029_frozen_papers
Revises: 0034_bank_transfers
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029_frozen_papers'
down_revision = '0034_bank_transfers'
branch_labels = None
depends_on = None


class _Settings:
    def __init__(self, row=None):
        self.form_series = (row.form_series if row else None) or "tt"
        self.word_style = (row.word_style if row else None) or "standard"
        self.chan = bool(row.chan) if row else False
        self.head_name = (row.head_name if row else "") or ""
        self.accountant_name = (row.accountant_name if row else "") or ""
        self.cashier_name = (row.cashier_name if row else "") or ""
        self.legal_basis = (row.legal_basis if row else "") or ""


def _fill_papers():
    from datetime import date

    from assoc.voucher_paper import freeze

    bind = op.get_bind()
    settings = {r.unit_id: _Settings(r) for r in bind.execute(sa.text(
        "SELECT unit_id, form_series, word_style, chan, head_name, accountant_name, "
        "cashier_name, legal_basis FROM treasury_setting"))}
    voucher = sa.table("voucher", sa.column("id", sa.Integer), sa.column("paper", sa.JSON))
    rows = bind.execute(sa.text(
        "SELECT v.id, v.kind, v.amount, v.voucher_date, v.unit_id, v.party_name, "
        "v.party_address, u.name AS unit_name, u.address AS unit_address, f.name AS fund_name, "
        "a.full_name AS maker FROM voucher v JOIN unit u ON u.id = v.unit_id "
        "JOIN fund f ON f.id = v.fund_id LEFT JOIN user_account a ON a.id = v.created_by_id "
        "WHERE v.paper IS NULL")).all()
    for r in rows:
        on = r.voucher_date
        if isinstance(on, str):
            on = date.fromisoformat(on[:10])
        paper = freeze(kind=r.kind, amount=int(r.amount), voucher_date=on,
                       settings=settings.get(r.unit_id) or _Settings(), unit_name=r.unit_name,
                       unit_address=r.unit_address or "", fund_name=r.fund_name,
                       party_name=r.party_name, party_address=r.party_address or "",
                       maker_name=r.maker or "")
        bind.execute(voucher.update().where(voucher.c.id == r.id).values(paper=paper))


def _fill_certificates():
    bind = op.get_bind()
    decisions = bind.execute(sa.text(
        "SELECT r.id, u.address, p.name AS parent_name FROM learning_recognition r "
        "JOIN unit u ON u.id = r.unit_id LEFT JOIN unit p ON p.id = u.parent_id "
        "WHERE r.paper IS NULL")).all()
    table = sa.table("learning_recognition", sa.column("id", sa.Integer),
                     sa.column("paper", sa.JSON))
    for d in decisions:
        names = {str(e.id): e.name for e in bind.execute(sa.text(
            "SELECT e.id, u.name FROM learning_entry e JOIN unit u ON u.id = e.unit_id "
            "WHERE e.recognition_id = :r"), {"r": d.id})}
        paper = {"v": 1, "parent_name": d.parent_name or "",
                 "place": d.address.split(",")[-1].strip() if d.address else "",
                 "unit_names": names}
        bind.execute(table.update().where(table.c.id == d.id).values(paper=paper))


def _fill_donations():
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT d.id, dn.name AS donor_name, dn.address AS donor_address, u.name AS unit_name, "
        "u.address AS unit_address, p.name AS parent_name, e.title AS event_title "
        "FROM donation d JOIN unit u ON u.id = d.unit_id LEFT JOIN unit p ON p.id = u.parent_id "
        "LEFT JOIN donor dn ON dn.id = d.donor_id LEFT JOIN event e ON e.id = d.event_id "
        "WHERE d.paper IS NULL")).all()
    table = sa.table("donation", sa.column("id", sa.Integer), sa.column("paper", sa.JSON))
    for r in rows:
        paper = {"v": 1, "donor_name": r.donor_name or "", "donor_address": r.donor_address or "",
                 "unit_name": r.unit_name, "unit_address": r.unit_address or "",
                 "parent_name": r.parent_name or "", "event_title": r.event_title or ""}
        bind.execute(table.update().where(table.c.id == r.id).values(paper=paper))


def upgrade():
    with op.batch_alter_table('voucher') as batch:
        batch.add_column(sa.Column('paper', sa.JSON(), nullable=True))
    with op.batch_alter_table('learning_recognition') as batch:
        batch.add_column(sa.Column('paper', sa.JSON(), nullable=True))
    # Accepted periodic reports from before this revision keep printing from the records as
    # they stand (their compiled table cannot be rebuilt as it was); later ones are frozen.
    with op.batch_alter_table('periodic_report') as batch:
        batch.add_column(sa.Column('paper', sa.JSON(), nullable=True))
    # Learning entries can be withdrawn (reason kept, counted nowhere after).
    with op.batch_alter_table('learning_entry') as batch:
        batch.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('withdrawn_reason', sa.String(length=300), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_learning_entry_withdrawn_by_id_user_account',
                                 'user_account', ['withdrawn_by_id'], ['id'])
    # Donations: the names their acknowledgement and thank-you letter print.
    with op.batch_alter_table('donation') as batch:
        batch.add_column(sa.Column('paper', sa.JSON(), nullable=True))
    _fill_papers()
    _fill_certificates()
    _fill_donations()


def downgrade():
    with op.batch_alter_table('donation') as batch:
        batch.drop_column('paper')
    with op.batch_alter_table('learning_entry') as batch:
        batch.drop_constraint('fk_learning_entry_withdrawn_by_id_user_account',
                              type_='foreignkey')
        batch.drop_column('withdrawn_by_id')
        batch.drop_column('withdrawn_reason')
        batch.drop_column('withdrawn_at')
    with op.batch_alter_table('periodic_report') as batch:
        batch.drop_column('paper')
    with op.batch_alter_table('learning_recognition') as batch:
        batch.drop_column('paper')
    with op.batch_alter_table('voucher') as batch:
        batch.drop_column('paper')
