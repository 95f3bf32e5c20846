"""Learning models: what every page of the area shares (loaders, typed query arguments,
the labels every template reads)."""

from __future__ import annotations

from flask import abort, request

from ...figures import BASIS_LABELS
from ...models import LEARNING_MODELS, LearningEntry, Unit, today
from ...permissions import load
from ...services import learning as svc
from ...views import int_arg
from . import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def learning_labels():
    return {"LEARNING_MODEL_LABELS": svc.MODEL_LABELS,
            "LEARNING_STATUS_LABELS": svc.STATUS_LABELS,
            "LEARNING_MODELS": LEARNING_MODELS, "LEARNING_ACTIONS": svc.ACTION_LABELS,
            "LEARNING_BASIS_LABELS": BASIS_LABELS}


def form_status(form) -> int:
    return 400 if form.errors or form.form_errors else 200


def load_unit(unit_id: int, action: str) -> Unit:
    return load(Unit, unit_id, action)


def load_entry(entry_id: int, action: str) -> LearningEntry:
    return load(LearningEntry, entry_id, action)


def model_or_404(model: str) -> str:
    if model not in LEARNING_MODELS:
        abort(404)
    return model


def year_arg() -> int:
    return int_arg("year", today().year, min=2000, max=today().year + 1)


def entry_filters() -> svc.EntryFilters:
    model = request.args.get("model", "")
    status = request.args.get("status", "")
    return svc.EntryFilters(
        year=year_arg(), model=model if model in LEARNING_MODELS else "",
        q=(request.args.get("q") or "")[:100],
        status=status if status in svc.STATUS_LABELS else "",
        subtree=request.args.get("sub", "1") != "0")
