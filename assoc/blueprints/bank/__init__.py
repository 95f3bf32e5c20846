"""Money by bank transfer (issue 33): bank accounts of units, transfer codes, VietQR on every
request for money, bank statement import matched to dues, pledges and donations."""

from flask import Blueprint

bp = Blueprint("bank", __name__)

from . import views  # noqa: E402,F401
