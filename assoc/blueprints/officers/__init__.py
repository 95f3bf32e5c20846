from flask import Blueprint

bp = Blueprint("officers", __name__, url_prefix="/officers")

from . import views  # noqa: E402,F401
