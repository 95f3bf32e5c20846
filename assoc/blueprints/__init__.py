"""Every blueprint is registered here, in one place."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .auth import bp as auth_bp
    from .main import bp as main_bp
    from .units import bp as units_bp
    from .users import bp as users_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(units_bp)
    app.register_blueprint(users_bp)
