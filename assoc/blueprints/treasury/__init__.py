from flask import Blueprint

bp = Blueprint("treasury", __name__)

from . import funds, moves, views  # noqa: E402,F401
