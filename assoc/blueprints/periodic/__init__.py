from flask import Blueprint

bp = Blueprint("periodic", __name__, url_prefix="/periodic")

from . import attachments, reports, views  # noqa: E402,F401
