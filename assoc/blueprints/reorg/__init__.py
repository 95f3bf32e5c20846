from flask import Blueprint

bp = Blueprint("reorg", __name__, url_prefix="/reorganisation")

from . import views  # noqa: E402,F401
