from flask import Blueprint

bp = Blueprint("scholarships", __name__, url_prefix="/scholarships")

from . import nominations, reports, views  # noqa: E402,F401
