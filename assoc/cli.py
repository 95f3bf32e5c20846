"""Command-line tools: flask create-admin | seed-demo | rebuild-rollups | ..."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from .extensions import db
from .models import Unit, User
from .services import DomainError, units, users


def register_cli(app: Flask) -> None:
    from .members_cli import register as register_members
    from .reorg_cli import register as register_reorg

    register_members(app)
    register_reorg(app)

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
        from .demo import seed_demo

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

        from .services import tally

        query = select(Unit.id)
        if unit_code:
            unit = db.session.scalar(select(Unit).where(Unit.code == unit_code.upper()))
            if unit is None:
                raise click.ClickException(f"No unit with code {unit_code}.")
            query = query.where(Unit.path.startswith(unit.path, autoescape=True))
        ids = db.session.scalars(query).all()
        started = time.perf_counter()
        tally.rebuild(ids)
        db.session.commit()
        click.echo(f"Roll-ups of {len(ids)} units rebuilt in {time.perf_counter() - started:.1f} s.")
