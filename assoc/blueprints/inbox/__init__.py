"""The work inbox ("Việc cần làm", issue 32): what waits for the user, on the home page, as a
badge in the menu and on its own page, plus the e-mail reminders and their settings."""

from flask import Blueprint

bp = Blueprint("inbox", __name__)

from . import views  # noqa: E402,F401
