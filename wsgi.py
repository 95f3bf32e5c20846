"""Entry point for `flask run` and `gunicorn -w 4 wsgi:app`."""

from assoc import create_app

app = create_app()
