from flask import Blueprint

bp = Blueprint("treasury", __name__)

from . import funds, views  # noqa: E402,F401
