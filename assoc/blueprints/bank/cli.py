"""flask import-bank-statement FILE --unit CODE [--account NUMBER] [--dry-run]"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from ...extensions import db
from ...models import BankAccount, Unit
from ...services import DomainError


def pick_account(unit: Unit, statement, number: str | None) -> BankAccount:
    """The unit's account the statement is of: the one named (option, else the statement's
    title rows), else the unit's receiving account."""
    from flask_babel import gettext as _

    from .accounts import accounts_of, receiving_account

    accounts = accounts_of(unit, active_only=True)
    wanted = (number or statement.account_number or "").replace(" ", "")
    if wanted:
        for account in accounts:
            if account.account_number == wanted.upper():
                return account
        raise DomainError(_("The statement is of account %(n)s, which is not an account of "
                            "%(unit)s.", n=wanted, unit=unit.name))
    account = receiving_account(unit)
    if account is None:
        raise DomainError(_("%(unit)s has no bank account: add it first.", unit=unit.name))
    return account


def register(app: Flask) -> None:
    @app.cli.command("import-bank-statement")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--unit", "unit_code", required=True, help="Code of the unit whose account "
                  "the statement is of.")
    @click.option("--account", "account_number", help="The account number, when the unit has "
                  "several and the statement does not name it.")
    @click.option("--dry-run", is_flag=True, help="Match and count only; write nothing.")
    def import_bank_statement(file, unit_code, account_number, dry_run):
        """Match a bank statement (.xlsx, .xls, .csv) to dues, pledges and event donations by
        their transfer codes and book the matched lines as transfer receipts (lines that need
        a choice are left for the web page). Importing it again books nothing twice."""
        from .matching import book, match
        from .statements import read

        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code.upper()))
        if unit is None:
            raise click.ClickException(f"No unit with code {unit_code}.")
        try:
            statement = read(Path(file).read_bytes(), Path(file).name)
            account = pick_account(unit, statement, account_number)
            preview = match(account, statement)
        except DomainError as e:
            raise click.ClickException(str(e)) from None
        click.echo(preview.summary_line())
        for row, message in statement.errors:
            click.echo(f"  row {row}: {message}")
        for m in preview.lines:
            if m.group in ("choose", "unmatched") and m.notes:
                click.echo(f"  row {m.line.row_no}: " + " ".join(m.notes))
        if dry_run:
            db.session.rollback()
            click.echo("Dry run: nothing written.")
            return
        try:
            summary = book(None, account, preview, filename=Path(file).name)
        except DomainError as e:
            db.session.rollback()
            raise click.ClickException(str(e)) from None
        db.session.commit()
        click.echo(f"booked: {summary['booked']} lines, {summary['vouchers']} receipts "
                   f"({summary['dues']} dues).")
