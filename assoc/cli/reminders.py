"""flask send-reminders: the daily e-mail digest of the work inbox (issue 32)."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app


def register(app: Flask) -> None:
    @app.cli.command("send-reminders")
    @click.option("--dry-run", is_flag=True, help="Print the e-mails instead of sending them "
                  "(nothing is recorded as sent).")
    @click.option("--date", "day", metavar="YYYY-MM-DD", help="The day to send for "
                  "(default: today in Vietnam).")
    @click.option("--schedule", is_flag=True, help="Send nothing now: put the daily run on "
                  "the RQ queue (REDIS_URL; a worker started with --with-scheduler runs it at "
                  "07:00 and schedules the next day's).")
    def send_reminders_command(dry_run, day, schedule):
        """Send each user their reminders of the day (run daily by cron or an RQ schedule).
        Without MAIL_SERVER it prints what it would send."""
        from ..blueprints.inbox import reminders
        from ..blueprints.inbox.reminders import mail_configured, send_reminders
        from ..models import today

        if schedule:
            if not current_app.config.get("REDIS_URL"):
                raise click.ClickException("--schedule needs REDIS_URL (an RQ queue).")
            at = reminders.schedule(current_app.config["REDIS_URL"])
            click.echo(f"Daily reminders scheduled on RQ; first run at {at:%Y-%m-%d %H:%M} UTC.")
            return

        try:
            on = date.fromisoformat(day) if day else today()
        except ValueError:
            raise click.ClickException(f"--date {day}: write the day as YYYY-MM-DD.") from None
        if not dry_run and not mail_configured():
            click.echo("MAIL_SERVER is not set: printing what would be sent.")
        base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost"
        with current_app.test_request_context("/", base_url=base):
            outcome = send_reminders(on, dry_run=dry_run, echo=click.echo)
        click.echo(f"Reminders for {on:%d/%m/%Y}: {outcome.sent} sent, {outcome.printed} "
                   f"printed, {outcome.skipped} users with nothing to send.")
        for failure in outcome.failed:
            click.echo(f"Not sent: {failure}", err=True)
        if outcome.failed:
            raise SystemExit(1)
