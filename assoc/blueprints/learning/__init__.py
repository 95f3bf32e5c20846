from flask import Blueprint

bp = Blueprint("learning", __name__, url_prefix="/learning")

from . import (  # noqa: E402,F401
    assessment,
    common,
    criteria,
    importing,
    recognition,
    registers,
    reports,
)
