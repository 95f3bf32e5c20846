"""flask reorganise PLAN.csv --effective YYYY-MM-DD [--dry-run] [--end-roles]"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import Flask

from ..extensions import db
from ..services import reorg


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def print_summary(plan) -> None:
    from ..blueprints.reorg.describe import describe

    for h in map(describe, plan.summary["handovers"]):
        s = h["successor"]
        click.echo(f"{s['code']} {s['name']}")
        if h["predecessors"]:
            click.echo("  from: " + ", ".join(p["code"] for p in h["predecessors"]))
        for split in h.get("splits", []):
            click.echo(f"  split from: {split['code']} (into {', '.join(split['successors'])})")
        click.echo(f"  members moved: {h['members']}")
        if h["sub_units"]:
            click.echo(f"  sub-units moved: {len(h['sub_units'])} ({', '.join(h['sub_units'])})")
        for f in h["funds"]:
            click.echo(f"  {f['fund']} ({f['from']}, {f['method']}): {_money(f['amount'])} "
                       f"{f['payment']} → {f['receipt']}")
        for line in h["moved"]:
            click.echo(f"  moved: {line}")
        for line in h["open"]:
            click.echo(f"  open item: {line}")
        for line in h["posts"]:
            click.echo(f"  post ended: {line}")
        for line in h["role_lines"]:
            click.echo(f"  role: {line}")


def register(app: Flask) -> None:
    @app.cli.command("reorganise")
    @click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--effective", required=True, type=click.DateTime(["%Y-%m-%d"]),
                  help="The day the new organisation takes effect (YYYY-MM-DD).")
    @click.option("--dry-run", is_flag=True, help="Print what would happen; write nothing.")
    @click.option("--end-roles", is_flag=True,
                  help="End users' roles at closed units instead of carrying them over.")
    def reorganise(plan_file: Path, effective, dry_run: bool, end_roles: bool):
        """Apply a reorganisation plan (merge, split, dissolve, move, rename), all or nothing.

        PLAN_FILE is a CSV (UTF-8) with the header
        action,old_codes,new_code,new_name,new_level,new_parent_code and one line per
        operation; lists inside a cell are joined by ";".

        
        merge    old_codes: the units -> new_code (new, or one of them), new_name,
                 new_level, new_parent_code (for a new unit)
        split    old_codes: one unit -> new_code: the successors' codes joined by ";",
                 new_name: their names joined by ";" (blank for an existing unit),
                 new_level, new_parent_code: one for all, or one per successor
        assign   (after a split) old_codes: what one successor takes, joined by ";":
                 sub-unit codes, numbers of the split unit's own members
                 (HV-000123), fund amounts as CODE=amount (KH=2500000);
                 new_code: that successor. Every sub-unit and own member must be
                 assigned, and each fund's amounts must add up to its balance.
        dissolve old_codes: one unit; sub-units go under new_parent_code, members,
                 funds and open work to new_code
        move     old_codes: one unit -> under new_parent_code
        rename   old_codes: one unit -> new_name and/or new_code
        """
        on: date = effective.date()
        try:
            ops = reorg.parse_plan(plan_file.read_bytes())
            plan = reorg.apply_plan(None, ops, on, carry_roles=not end_roles,
                                    title=plan_file.name, preview=dry_run)
        except reorg.PlanError as e:
            db.session.rollback()
            for line, message in e.errors:
                click.echo(f"line {line}: {message}" if line else message, err=True)
            raise click.ClickException("The plan was not applied; nothing was written.") from e
        print_summary(plan)
        if dry_run:
            db.session.rollback()
            click.echo("Dry run: nothing was written.")
        else:
            db.session.commit()
            click.echo(f"Plan applied with effect from {on:%d/%m/%Y}.")
