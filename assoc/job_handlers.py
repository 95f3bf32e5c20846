"""The work of each kind of job (assoc.jobs): member import and export, a learning-model
register import, a big
reorganisation plan, and the compilation of a receiving level's periodic report over many
units. Like a view or a CLI command, a handler calls the services and commits its own work
once."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .extensions import db
from .jobs import handler, job_dir
from .models import Job, Member, Unit, User, today
from .permissions import can, can_reorganise
from .services import DomainError, audit, imports, reorg
from .services import members as svc


def _owner_and_unit(job: Job, action: str) -> tuple[User, Unit]:
    owner, unit = db.session.get(User, job.owner_id), db.session.get(Unit, job.unit_id)
    if owner is None or unit is None or not can(owner, action, unit):
        raise DomainError(_("You may no longer do this at %(unit)s.",
                            unit=unit.name if unit else "?"))
    return owner, unit


@handler("member_import", "member.edit")
def member_import(job: Job, progress) -> dict:
    owner, unit = _owner_and_unit(job, "member.edit")
    loaded = imports.load_upload(owner, job.params["upload"])
    if loaded is None:
        raise DomainError(_("The uploaded file is no longer here: upload it again."))
    meta, data = loaded
    preview = imports.parse(data, meta["filename"], unit, user=owner, progress=progress)
    possible = job.params.get("possible", [])
    summary = imports.commit(owner, unit, preview, valid_only=job.params.get("valid_only", False),
                             possible=True if possible is True else set(possible),
                             progress=progress)
    db.session.commit()
    imports.discard_upload(job.params["upload"])
    return {"summary": summary, "total": summary["imported"]}


@handler("learning_import", "learning.edit")
def learning_import(job: Job, progress) -> dict:
    """A big learning-model register: parsed again from the upload, registered all or nothing
    (a row with an error, or a cancel, keeps nothing)."""
    from .services import learning_import as importer

    owner, unit = _owner_and_unit(job, "learning.edit")
    loaded = imports.load_upload(owner, job.params["upload"], "learning")
    if loaded is None:
        raise DomainError(_("The uploaded file is no longer here: upload it again."))
    meta, data = loaded
    on = meta.get("registered_on")
    preview = importer.parse(data, meta["filename"], unit, model=meta.get("model"),
                             year=meta["year"], default_on=date.fromisoformat(on) if on else None,
                             same_date=bool(meta.get("same_date")))
    summary = importer.commit(owner, unit, preview, year=meta["year"], progress=progress)
    db.session.commit()
    imports.discard_upload(job.params["upload"])
    return {"summary": {**summary, "year": meta["year"], "model": meta.get("model") or ""},
            "total": summary["imported"]}


@handler("member_export", "member.view")
def member_export(job: Job, progress) -> dict:
    owner, unit = _owner_and_unit(job, "member.view")
    fmt = job.params["format"]
    filters = svc.ListFilters.from_args(job.params.get("filters", {}))
    members = db.session.scalars(svc.member_query(
        owner, unit, filters, former=svc.members_before(unit)).options(
        selectinload(Member.unit))).all()
    body = (imports.export_xlsx if fmt == "xlsx" else imports.export_csv)(
        members, unit, progress)
    path = job_dir() / f"{job.token}.{fmt}"
    path.write_bytes(body)
    audit.record(owner, "member.export", unit, data={"format": fmt, "rows": len(members),
                                                     **filters.as_args()})
    db.session.commit()
    mime = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
            else "text/csv; charset=utf-8")
    return {"summary": {"rows": len(members)}, "total": len(members), "result_path": str(path),
            "result_name": f"hoi-vien-{unit.code.lower()}-{today():%Y%m%d}.{fmt}",
            "result_mime": mime}


@handler("reorg_apply", "unit.edit")
def reorg_apply(job: Job, progress) -> dict:
    """A big reorganisation plan, all or nothing: one commit at the end; a failure or a
    cancel rolls everything back."""
    owner, unit = _owner_and_unit(job, "unit.edit")
    ops = reorg.parse_plan(job.params["plan_text"])
    restructured, edited = reorg.touched_units(ops)
    if not can_reorganise(owner, unit, restructured, edited):
        raise DomainError(_("You may no longer do this at %(unit)s.", unit=unit.name))
    plan = reorg.apply_plan(owner, ops, date.fromisoformat(job.params["effective"]),
                            carry_roles=bool(job.params.get("carry_roles")),
                            title=job.params.get("title", ""), progress=progress)
    db.session.commit()
    handovers = plan.summary["handovers"]
    return {"summary": {"plan_id": plan.id, "operations": len(ops),
                        "successors": len(handovers),
                        "members": sum(h["members"] for h in handovers)},
            "total": len(ops)}


@handler("periodic_compile", "periodic.submit")
def periodic_compile(job: Job, progress) -> dict:
    """Start (or bring up to date) the compiled report of a unit with many reporting units
    below: its own figures plus every accepted report below, naming the missing ones."""
    from sqlalchemy.exc import IntegrityError

    from .models import PeriodicReport, PeriodicTemplate
    from .services import periodic

    owner, unit = _owner_and_unit(job, "periodic.submit")
    template = db.session.get(PeriodicTemplate, job.params["template_id"])
    if template is None:
        raise DomainError(_("This report template no longer exists."))
    steps = {"total": 0}

    def step(done: int, total: int, phase: str = "") -> None:
        steps["total"] = total
        progress(done, total, phase)

    report_id = job.params.get("report_id")
    try:
        if report_id:
            report = db.session.get(PeriodicReport, report_id)
            if report is None or (report.unit_id, report.template_id) != (unit.id, template.id):
                raise DomainError(_("This report no longer exists."))
            periodic.refresh_figures(owner, report, job.params["revision"], progress=step)
        else:
            report = periodic.start_report(owner, template, unit, progress=step)
        db.session.commit()
    except IntegrityError as e:  # started twice at once: the other one stands
        raise DomainError(_("This report has already been started.")) from e
    return {"summary": {"report_id": report.id, "included": len(report.compiled_from or []),
                        "missing": len(report.missing or [])},
            "total": steps["total"]}
