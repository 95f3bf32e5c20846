"""Periodic views: Attachments: stored outside static, served only to those who may view the report."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...models import PeriodicAttachment
from ...permissions import load
from ...services import DomainError
from ...services import periodic as svc
from . import bp
from .forms import AttachForm, ConfirmForm
from .views import _attachment_limit, _load_report, _upload_dir

# ---------------------------------------------------------------------------------------------
# Attachments: stored outside static, served only to those who may view the report
# ---------------------------------------------------------------------------------------------


@bp.post("/reports/<int:report_id>/attachments")
@login_required
def attach(report_id: int):
    report = _load_report(report_id, "periodic.submit")
    form = AttachForm()
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    limit = _attachment_limit()
    data = upload.stream.read(limit + 1) if upload else b""
    try:
        svc.add_attachment(current_user, report, filename=upload.filename if upload else "",
                           data=data, folder=_upload_dir(), limit=limit)
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "danger")
        return redirect(url_for(".show", report_id=report_id) + "#attachments")
    db.session.commit()
    flash(_("The file is attached."), "success")
    return redirect(url_for(".show", report_id=report.id) + "#attachments")


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    item = load(PeriodicAttachment, attachment_id, "periodic.view")
    path = _upload_dir() / item.stored_name
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=item.content_type, as_attachment=True,
                         download_name=item.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(attachment_id: int):
    item = load(PeriodicAttachment, attachment_id, "periodic.submit")
    report_id, stored = item.report_id, _upload_dir() / item.stored_name
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        svc.remove_attachment(current_user, item)
    except DomainError as e:
        db.session.rollback()
        flash(e.message, "danger")
        return redirect(url_for(".show", report_id=report_id))
    db.session.commit()
    stored.unlink(missing_ok=True)  # the record is gone: its file goes too
    flash(_("The file is removed."), "success")
    return redirect(url_for(".show", report_id=report_id) + "#attachments")


