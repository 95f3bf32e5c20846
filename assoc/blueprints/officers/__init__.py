from flask import Blueprint

bp = Blueprint("officers", __name__, url_prefix="/officers")

from . import remuneration, views  # noqa: E402,F401
