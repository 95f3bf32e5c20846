"""Entry point for `flask run` and `gunicorn -w 4 wsgi:app`."""

import gc

from assoc import create_app

app = create_app()
# The objects made at start (modules, routes, templates, catalogues) live as long as the worker:
# kept out of the garbage collector's full passes, which otherwise walk them all now and then
# (a ~100 ms pause in one request out of twenty on the national benchmark).
gc.freeze()
