"""Job pages: progress (survives reload, leave and come back), cancel, result download."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ... import jobs
from ...extensions import db
from ...models import Job
from ...permissions import can_cancel_job, can_see_job
from . import bp


def _load(token: str) -> Job:
    job = db.session.scalar(select(Job).where(Job.token == token)) if len(token) <= 32 else None
    if job is None or not can_see_job(current_user, job):
        abort(404)
    return job


def state(job: Job) -> dict:
    """What the page shows: status, rows done of total, phase, seconds left."""
    progress = jobs.read_progress(job.token)
    done, total = progress.get("done", job.done), progress.get("total", job.total)
    if job.status == "done":
        done = total = job.total
    return {"status": job.status, "done": done or 0, "total": total or 0,
            "percent": 100 if job.status == "done" else (
                int(100 * done / total) if total else 0),
            "phase": progress.get("phase", ""), "seconds_left": progress.get("seconds_left"),
            "finished": job.finished}


@bp.get("/")
@login_required
def index():
    mine = db.session.scalars(select(Job).where(Job.owner_id == current_user.id)
                              .order_by(Job.id.desc()).limit(50)).all()
    return render_template("jobs/index.html", jobs=mine)


@bp.get("/<token>")
@login_required
def show(token: str):
    job = _load(token)
    return render_template("jobs/show.html", job=job, state=state(job),
                           download=jobs.result_available(job))


@bp.get("/<token>/state.json")
@login_required
def state_json(token: str):
    job = _load(token)
    return jsonify(state(job))


@bp.post("/<token>/cancel")
@login_required
def cancel(token: str):
    job = _load(token)
    if not can_cancel_job(current_user, job):
        abort(403)
    if job.finished:
        flash(_("This job has already ended."), "warning")
    else:
        jobs.request_cancel(job)
        flash(_("Cancelling: the job stops at its next step and nothing it did is kept."),
              "info")
    return redirect(url_for(".show", token=job.token))


@bp.get("/<token>/download")
@login_required
def download(token: str):
    job = _load(token)
    if not jobs.result_available(job):
        abort(404)
    return send_file(job.result_path, mimetype=job.result_mime, as_attachment=True,
                     download_name=job.result_name)
