"""Member commands: flask import-members FILE --unit CODE [--dry-run] [--valid-only];
flask members-sample-file [PATH]."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from ..extensions import db
from ..models import Unit
from ..services import DomainError, imports

SAMPLE = Path(__file__).resolve().parent.parent / "static" / "samples" / "danh-sach-hoi-vien-mau.xlsx"


def register(app: Flask) -> None:
    @app.cli.command("import-members")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--unit", "unit_code", required=True, help="Code of the unit, e.g. HCM-Q4-KH")
    @click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
    @click.option("--valid-only", is_flag=True, help="Import the valid rows even if others "
                  "have errors.")
    def import_members(file: Path, unit_code: str, dry_run: bool, valid_only: bool):
        """Import members from an Excel (.xlsx) or CSV file into a unit."""
        unit = db.session.scalar(select(Unit).where(func.upper(Unit.code) == unit_code.upper()))
        if unit is None:
            raise click.ClickException(f"No unit with code {unit_code}.")
        try:
            preview = imports.parse(file.read_bytes(), file.name, unit)
        except DomainError as e:
            raise click.ClickException(str(e)) from e
        for row in preview.rows:
            for column, message in row.errors:
                click.echo(f"row {row.row_no}, {column}: {message}", err=True)
            if row.duplicate_of and not row.errors:
                click.echo(f"row {row.row_no}: {row.duplicate_of}", err=True)
        summary = preview.summary()
        if not dry_run:
            try:
                summary = imports.commit(None, unit, preview, valid_only=valid_only)
            except DomainError as e:
                db.session.rollback()
                _print(summary)
                raise click.ClickException(str(e)) from e
            db.session.commit()
        _print(summary, dry_run=dry_run)

    @app.cli.command("members-sample-file")
    @click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
    def members_sample_file(path: Path | None):
        """Write the messy sample member list (.xlsx) that the demo offers for import."""
        from ..member_samples import messy_member_workbook

        path = path or SAMPLE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(messy_member_workbook())
        click.echo(f"Sample written to {path}")


def _print(summary: dict, dry_run: bool = False) -> None:
    click.echo(
        f"read: {summary['read']}, imported: {summary['imported']}"
        f"{' (dry run)' if dry_run else ''}, duplicates: {summary['duplicates']}, "
        f"errors: {summary['errors']}"
    )
