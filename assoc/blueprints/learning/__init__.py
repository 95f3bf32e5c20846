from flask import Blueprint

bp = Blueprint("learning", __name__, url_prefix="/learning")

from . import assessment, common, criteria, recognition, registers, reports  # noqa: E402,F401
