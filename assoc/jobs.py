"""Long work as jobs with progress: member imports, big exports (and whatever registers a
handler). A job is a row (models.Job) plus a small progress record that other processes can read
while the job's own transaction is still open:

- with `REDIS_URL` set, jobs run on RQ workers (`make worker`) and progress lives in Redis;
- otherwise a job runs in a background thread of the web process (the default of `make run`)
  and progress lives in a file under instance/jobs/ (any gunicorn worker can read it).

Cancelling sets a flag in the same place; the job checks it at each progress step, rolls back
and ends "cancelled". Result files are kept for 24 hours.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context

from .extensions import db
from .models import Job, Unit, User, utcnow

KEEP_RESULTS = timedelta(hours=24)
QUEUE = "assoc"
HANDLERS: dict[str, Callable] = {}
ACTIONS: dict[str, str] = {}   # kind → the permission at the job's unit that lets one see it


class Cancelled(Exception):
    """The user cancelled the job."""


def handler(kind: str, action: str):
    """Register `fn(job, progress) -> summary dict` as the work of jobs of `kind`."""

    def register(fn):
        HANDLERS[kind] = fn
        ACTIONS[kind] = action
        return fn

    return register


# ---------------------------------------------------------------------------------------------
# Progress and cancel flags, readable by every process while the job runs
# ---------------------------------------------------------------------------------------------


def _redis():
    url = current_app.config.get("REDIS_URL") or os.environ.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url)


def job_dir() -> Path:
    from .config import INSTANCE

    path = Path(current_app.config.get("JOB_DIR") or INSTANCE / "jobs")
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_progress(token: str, **values: Any) -> None:
    record = json.dumps(values)
    if (r := _redis()) is not None:
        r.set(f"assoc:job:{token}", record, ex=int(KEEP_RESULTS.total_seconds()))
        return
    path = job_dir() / f"{token}.progress"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(record)
    tmp.replace(path)


def read_progress(token: str) -> dict[str, Any]:
    if (r := _redis()) is not None:
        raw = r.get(f"assoc:job:{token}")
    else:
        path = job_dir() / f"{token}.progress"
        raw = path.read_text() if path.exists() else None
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


def request_cancel(job: Job) -> None:
    if (r := _redis()) is not None:
        r.set(f"assoc:job:{job.token}:cancel", "1", ex=int(KEEP_RESULTS.total_seconds()))
    else:
        (job_dir() / f"{job.token}.cancel").write_text("1")


def cancel_requested(token: str) -> bool:
    if (r := _redis()) is not None:
        return bool(r.exists(f"assoc:job:{token}:cancel"))
    return (job_dir() / f"{token}.cancel").exists()


class Progress:
    """Passed to a handler: `progress(done, total, phase)`; raises Cancelled when asked to."""

    def __init__(self, job: Job):
        self.token = job.token
        self.started = time.monotonic()
        self.phase = ""
        self.phase_started = self.started
        self.last = 0.0

    def __call__(self, done: int, total: int, phase: str = "") -> None:
        now = time.monotonic()
        if phase and phase != self.phase:
            self.phase, self.phase_started = phase, now
        if done < total and now - self.last < 0.25:
            return
        self.last = now
        if cancel_requested(self.token):
            raise Cancelled()
        rate = done / (now - self.phase_started) if done and now > self.phase_started else 0
        left = (total - done) / rate if rate else None
        write_progress(self.token, done=done, total=total, phase=self.phase,
                       seconds_left=round(left) if left is not None else None)


# ---------------------------------------------------------------------------------------------
# Creating, launching and running
# ---------------------------------------------------------------------------------------------


def create(owner: User, unit: Unit, kind: str, title: str, params: dict[str, Any],
           total: int = 0) -> Job:
    _load_handlers()
    if kind not in HANDLERS:
        raise KeyError(kind)
    job = Job(owner_id=owner.id, unit_id=unit.id, kind=kind, title=title[:300], params=params,
              total=total)
    db.session.add(job)
    db.session.flush()
    return job


def launch(job: Job) -> None:
    """Start a committed job: on RQ when REDIS_URL is set, else in a background thread."""
    write_progress(job.token, done=0, total=job.total, phase="", seconds_left=None)
    if (r := _redis()) is not None:
        from rq import Queue

        Queue(current_app.config.get("JOB_QUEUE", QUEUE), connection=r).enqueue(
            run, job.id, job_timeout=6 * 3600, result_ttl=0)
        return
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run_in_app, args=(app, job.id), daemon=True,
                              name=f"job-{job.id}")
    thread.start()
    app.extensions.setdefault("job_threads", []).append(thread)


def _run_in_app(app, job_id: int) -> None:
    with app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()


_worker_app = None


def run(job_id: int) -> None:
    """Do one job (an RQ worker calls this without an app: it makes one from the environment)."""
    global _worker_app
    if not has_app_context():
        if _worker_app is None:
            from . import create_app

            _worker_app = create_app()
        with _worker_app.app_context():
            try:
                return run(job_id)
            finally:
                db.session.remove()
    _load_handlers()
    job = db.session.get(Job, job_id)
    if job is None or job.status != "queued":
        return
    job.status, job.started_at = "running", utcnow()
    db.session.commit()
    progress = Progress(job)
    try:
        if cancel_requested(job.token):
            raise Cancelled()
        result = HANDLERS[job.kind](job, progress) or {}
    except Cancelled:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status = "cancelled"
    except Exception as e:  # the job page says what went wrong; the log keeps the trace
        db.session.rollback()
        from .services import DomainError

        job = db.session.get(Job, job_id)
        job.status = "failed"
        if isinstance(e, DomainError):
            job.error = str(e)[:1000]
        else:
            current_app.logger.exception("job %s failed", job_id)
            job.error = "internal"
    else:
        job = db.session.get(Job, job_id)
        job.status = "done"
        job.summary = result.get("summary", {})
        for key in ("result_path", "result_name", "result_mime"):
            if key in result:
                setattr(job, key, result[key])
        job.done = job.total = int(result.get("total", job.total) or 0)
    job.finished_at = utcnow()
    db.session.commit()
    state = read_progress(job.token)
    write_progress(job.token, **{**state, "status": job.status})


def _load_handlers() -> None:
    from . import job_handlers  # noqa: F401  (registers the handlers)


def result_available(job: Job) -> bool:
    if job.status != "done" or not job.result_path or job.finished_at is None:
        return False
    finished = job.finished_at if job.finished_at.tzinfo else job.finished_at.replace(
        tzinfo=utcnow().tzinfo)
    return utcnow() - finished < KEEP_RESULTS and Path(job.result_path).exists()


def wait_for_threads(timeout: float = 60) -> None:
    """Tests: let background-thread jobs finish."""
    for thread in current_app.extensions.get("job_threads", []):
        thread.join(timeout)
    current_app.extensions["job_threads"] = []


def purge_old_results() -> None:
    """Remove result and progress files older than 24 hours."""
    cutoff = time.time() - KEEP_RESULTS.total_seconds()
    for path in job_dir().iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
