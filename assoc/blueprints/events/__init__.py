from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/events")

from . import counting, donations, reports, views  # noqa: E402,F401
