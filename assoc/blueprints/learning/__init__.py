from flask import Blueprint

bp = Blueprint("learning", __name__, url_prefix="/learning")

from . import views  # noqa: E402,F401
