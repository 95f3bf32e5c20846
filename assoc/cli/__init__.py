"""Command-line tools: flask create-admin | seed-demo | rebuild-rollups | ..."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from ..extensions import db
from ..models import Unit, User
from ..services import DomainError, units, users


def register_cli(app: Flask) -> None:
    from ..blueprints.bank.cli import register as register_bank
    from .members import register as register_members
    from .reminders import register as register_reminders
    from .reorg import register as register_reorg

    register_members(app)
    register_reorg(app)
    register_bank(app)
    register_reminders(app)

    @app.cli.command("backup")
    @click.argument("directory", default="instance/backups")
    @click.option("--keep", default=14, show_default=True, type=click.IntRange(min=1),
                  help="How many snapshots to keep in DIRECTORY (the oldest go).")
    @click.option("--verify", "verify_path", metavar="FILE",
                  help="Take no backup: restore FILE (or the newest backup in a directory) "
                       "into a scratch database and compare its row counts with those "
                       "recorded when it was taken.")
    def backup_command(directory, keep, verify_path):
        """Write a consistent snapshot of the database into DIRECTORY while the app runs."""
        from .. import backup

        if verify_path:
            try:
                path, counts, recorded = backup.verify(verify_path)
            except backup.BackupError as e:
                raise click.ClickException(str(e)) from None
            except Exception as e:  # noqa: BLE001 - one sentence, never a traceback
                raise click.ClickException(f"{verify_path} could not be verified ({e}).") from None
            rows = sum(counts.values())
            compared = ("the same as recorded when it was taken" if recorded is not None
                        else "no counts were recorded with it to compare")
            click.echo(f"Verified {path}: {len(counts)} tables, {rows:,} rows restored into a "
                       f"scratch database, {compared}.")
            return
        try:
            path = backup.backup(directory, keep)
        except backup.BackupError as e:
            raise click.ClickException(str(e)) from None
        click.echo(f"Backup written: {path} ({path.stat().st_size:,} bytes); "
                   f"{len(backup.backups(directory))} kept in {directory}.")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation (scripts).")
    def restore_command(file, yes):
        """Restore a snapshot made by `flask backup` into an EMPTY database, all or nothing
        (run `flask db upgrade` afterwards when the code is newer than the backup)."""
        from .. import backup

        if not backup.database_is_empty():
            raise click.ClickException(backup.not_empty_message())
        if not yes:
            click.confirm(f"Restore {file} into {db.engine.url.render_as_string()}?",
                          abort=True)
        try:
            backup.restore(file)
        except backup.BackupError as e:
            raise click.ClickException(str(e)) from None
        except Exception as e:  # noqa: BLE001 - one sentence, never a traceback
            raise click.ClickException(f"{file} could not be restored ({e}).") from None
        click.echo(f"Restored {file}.")

    @app.cli.command("create-admin")
    @click.option("--username", prompt=True)
    @click.option("--full-name", prompt=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--unit-code", default="VN", show_default=True,
                  help="Root unit to administer; created if there is no unit yet.")
    @click.option("--unit-name", default="Hội Khuyến học Việt Nam", show_default=True)
    def create_admin(username, full_name, password, unit_code, unit_name):
        """Create an administrator (and the root unit on an empty database)."""
        root = db.session.scalar(select(Unit).where(Unit.code == unit_code.upper()))
        if root is None:
            if db.session.scalar(select(Unit.id).limit(1)) is not None:
                raise click.ClickException(f"No unit with code {unit_code}.")
            root = units.create_unit(None, parent=None, level="national", code=unit_code,
                                     name=unit_name)
        try:
            user = users.create_user(None, username=username, full_name=full_name,
                                     password=password)
            units.grant_role(None, user, root, "admin")
        except DomainError as e:
            raise click.ClickException(str(e)) from e
        db.session.commit()
        click.echo(f"Administrator {user.username} created at {root.name}.")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
    def seed_demo_command(if_empty):
        """Load the demo association tree and users (safe to run again)."""
        from ..demo import seed_demo

        if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
            click.echo("Database already has data; demo not loaded.")
            return
        logins = seed_demo()
        db.session.commit()
        click.echo("Demo data ready. Logins:")
        for username, password, what in logins:
            click.echo(f"  {username:<20} {password:<16} {what}")

    @app.cli.command("rebuild-rollups")
    @click.option("--unit-code", help="Only this unit and its sub-tree (default: every unit).")
    def rebuild_rollups(unit_code):
        """Rebuild the dashboards' monthly roll-ups from the records (after loading data with
        SQL behind the application's back; normal use keeps them current by itself)."""
        import time

        from ..services import tally

        query = select(Unit.id)
        if unit_code:
            unit = db.session.scalar(select(Unit).where(Unit.code == unit_code.upper()))
            if unit is None:
                raise click.ClickException(f"No unit with code {unit_code}.")
            query = query.where(Unit.path.startswith(unit.path, autoescape=True))
        ids = db.session.scalars(query).all()
        started = time.perf_counter()
        tally.rebuild(ids)
        # The per-level rows, summed again from the unit rows (the rebuild kept them in step;
        # this mends any changed behind the application's back too).
        tally.resum_below(unit if unit_code else None)
        db.session.commit()
        click.echo(f"Roll-ups of {len(ids)} units rebuilt in {time.perf_counter() - started:.1f} s.")
