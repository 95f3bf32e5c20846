"""Learning models: the rates rolled up the tree (page, .xlsx, PDF) and the year's totals and
targets."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import IntegerField
from wtforms.validators import Optional

from ...extensions import db
from ...models import LEARNING_MODELS
from ...permissions import can
from ...services import DomainError
from ...services import learning as svc
from ...views import attach_error, record_download, unit_ancestors
from . import bp
from .common import XLSX, form_status, load_unit, year_arg
from .forms import ConfirmForm


@bp.get("/units/<int:unit_id>/rates")
@login_required
def rates(unit_id: int):
    unit = load_unit(unit_id, "learning.view")
    table = svc.rates(unit, year_arg())
    return render_template("learning/rates.html", unit=unit, ancestors=unit_ancestors(unit),
                           t=table, year=table.year,
                           may_edit=can(current_user, "learning.edit", unit))


@bp.get("/units/<int:unit_id>/rates.<fmt>")
@login_required
def rates_file(unit_id: int, fmt: str):
    unit = load_unit(unit_id, "learning.view")
    if fmt not in ("xlsx", "pdf"):
        abort(404)
    table = svc.rates(unit, year_arg())
    name = f"ty-le-mo-hinh-hoc-tap-{unit.code.lower()}-{table.year}.{fmt}"
    if fmt == "xlsx":
        from .export import rates_workbook

        body, mime, disposition = rates_workbook(table), XLSX, "attachment"
    else:
        from ...models import today
        from ...pdf.learning import rates_pdf
        from ...services import officers

        on = today()
        place = (unit.address.split(",")[-1].strip() if unit.address else "")
        body = rates_pdf(table, signer=officers.chair_on(unit, on), place=place, on=on)
        mime, disposition = "application/pdf", "inline"
    record_download("learning.export_rates", unit, year=table.year, format=fmt)
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"'})


def _denominator_form(existing):
    class _Form(ConfirmForm):
        pass

    for model in LEARNING_MODELS:
        row = existing.get(model)
        setattr(_Form, f"total-{model}", IntegerField(
            svc.MODEL_LABELS[model], validators=[Optional()],
            default=row.total if row else None))
        setattr(_Form, f"target-{model}", IntegerField(
            svc.MODEL_LABELS[model], validators=[Optional()],
            default=row.target_percent if row else None))
    return _Form()


@bp.route("/units/<int:unit_id>/denominators", methods=["GET", "POST"])
@login_required
def denominators(unit_id: int):
    unit = load_unit(unit_id, "learning.edit")
    year = year_arg()
    form = _denominator_form(svc.denominators_of(unit, year))
    if form.validate_on_submit():
        values = {m: (form[f"total-{m}"].data, form[f"target-{m}"].data)
                  for m in LEARNING_MODELS}
        try:
            svc.set_denominators(current_user, unit, year, values)
        except DomainError as err:
            attach_error(form, err)
        else:
            db.session.commit()
            flash(_("Totals and targets for %(year)d saved.", year=year), "success")
            return redirect(url_for(".rates", unit_id=unit.id, year=year))
    return render_template("learning/denominators.html", unit=unit,
                           ancestors=unit_ancestors(unit), year=year, form=form,
                           registered=svc.registered_counts(unit, year)), form_status(form)
