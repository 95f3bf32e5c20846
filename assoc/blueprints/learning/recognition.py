"""Learning models: recognition decisions, their certificates and the public check page."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...models import LearningEntry, LearningRecognition, Unit
from ...permissions import can_recognise, load
from ...services import DomainError
from ...services import learning as svc
from ...views import attach_error, unit_ancestors
from . import bp
from .common import form_status, model_or_404, year_arg
from .forms import RecognitionForm


@bp.route("/units/<int:unit_id>/recognise/<model>", methods=["GET", "POST"])
@login_required
def recognise(unit_id: int, model: str):
    unit = load(Unit, unit_id, "learning.recognise")
    if not can_recognise(current_user, unit):
        abort(403)
    model = model_or_404(model)
    year = year_arg()
    entries = svc.candidates(unit, model, year)
    form = RecognitionForm()
    if request.method == "GET":
        form.issuing_body.data = unit.name
    ticked = {e.id for e in entries if svc.proposed(e)} if request.method == "GET" else set()
    reasons: dict[int, str] = {}
    error_field = None
    if form.validate_on_submit():
        ticked = {int(i) for i in request.form.getlist("entry") if i.isdigit()}
        reasons = {e.id: (request.form.get(f"reason-{e.id}") or "")[:2000] for e in entries}
        try:
            decision = svc.recognise(
                current_user, unit, model=model, year=year, entry_ids=sorted(ticked),
                reasons=reasons, number=form.number.data, decided_on=form.decided_on.data,
                signer=form.signer.data, issuing_body=form.issuing_body.data)
        except DomainError as err:
            error_field = err.field
            attach_error(form, err)
        else:
            db.session.commit()
            flash(_("Decision %(number)s recognises %(n)d entries.", number=decision.number,
                    n=len(decision.entries)), "success")
            return redirect(url_for(".recognition", recognition_id=decision.id))
    elif request.method == "POST":
        ticked = {int(i) for i in request.form.getlist("entry") if i.isdigit()}
    return render_template("learning/recognise.html", unit=unit, ancestors=unit_ancestors(unit),
                           model=model, year=year, entries=entries, form=form, ticked=ticked,
                           reasons=reasons, error_field=error_field,
                           proposed={e.id for e in entries if svc.proposed(e)}), form_status(form)


def _recognition(recognition_id: int) -> LearningRecognition:
    return load(LearningRecognition, recognition_id, "learning.view")


@bp.get("/recognitions/<int:recognition_id>")
@login_required
def recognition(recognition_id: int):
    r = _recognition(recognition_id)
    return render_template("learning/recognition.html", r=r, unit=r.unit,
                           ancestors=unit_ancestors(r.unit),
                           outstanding=svc.outstanding(r.entries))


def _check_url(e: LearningEntry) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("learning.check", token=e.public_token)
    return f"{base.rstrip('/')}{path}" if base else url_for("learning.check",
                                                             token=e.public_token,
                                                             _external=True)


@bp.get("/recognitions/<int:recognition_id>/certificates.pdf")
@login_required
def certificates(recognition_id: int):
    r = _recognition(recognition_id)
    from ...pdf.learning import certificates_pdf

    data = certificates_pdf(r, [(e, _check_url(e)) for e in r.entries])
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'inline; filename="giay-cong-nhan-{r.year}-{r.id}.pdf"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/check/<token>")
def check(token: str):
    """Public: the title, year, name and unit of a recognised entry — nothing else."""
    e = db.session.scalar(select(LearningEntry).where(LearningEntry.public_token == token))
    if e is None or not e.is_recognised:
        abort(404)
    return render_template("learning/check.html", e=e, title=svc.MODEL_TITLES[e.model])
