"""A big statement booked as a job with progress (assoc/jobs.py)."""

from __future__ import annotations

from flask_babel import gettext as _

from ...extensions import db
from ...jobs import handler
from ...models import BankAccount, Job, User
from ...permissions import can
from ...services import DomainError, imports


@handler("bank_import", "voucher.issue")
def bank_import(job: Job, progress) -> dict:
    from . import matching, statements

    owner = db.session.get(User, job.owner_id)
    loaded = imports.load_upload(owner, job.params["upload"], "bank") if owner else None
    if loaded is None:
        raise DomainError(_("The uploaded file is no longer here: upload it again."))
    meta, data = loaded
    account = db.session.get(BankAccount, meta["account_id"])
    if account is None or not can(owner, "voucher.issue", account.unit):
        raise DomainError(_("You may no longer do this at %(unit)s.",
                            unit=account.unit.name if account else "?"))
    preview = matching.match(account, statements.read(data, meta["filename"]))
    summary = matching.book(owner, account, preview, job.params.get("decisions") or {},
                            filename=meta["filename"],
                            progress=lambda done, total: progress(done, total, "registering"))
    db.session.commit()
    imports.discard_upload(job.params["upload"])
    return {"summary": {**summary, "rows": summary["booked"]}, "total": summary["booked"]}
