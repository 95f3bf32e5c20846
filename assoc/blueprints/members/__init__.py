from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/members")

from . import dues, duplicates, importing, views  # noqa: E402,F401
