"""Every blueprint is registered here, in one place: one line per area."""

from importlib import import_module

from flask import Flask

BLUEPRINTS = [
    "main",
    "auth",
    "units",
    "users",
    # feature areas (one line each)
    "treasury",
    "officers",
    "events",
    "reports",
    "scholarships",
    "members",
    "jobs",
    "periodic",
    "reorg",
    "learning",
    "bank",
    "inbox",
]


def register_blueprints(app: Flask) -> None:
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f"{__name__}.{name}").bp)
