"""The WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

import gc
import sys

from widget import create_app
from widget.call.congress import congress_data
from widget.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:
    # Stop start-up with the message alone, not a traceback an operator must dig through.
    sys.stderr.write(f"\nMegáfono cannot start: {error}\n\n")
    sys.exit(3)

# Read the Congress lookup file now, in each worker, rather than on a supporter's first call.
congress_data()

# What is loaded by now (the app, the Congress data) lives as long as the worker: keep it out of
# the garbage collector's full passes, which would otherwise walk it again and again while a
# worker is young and pause every request in flight.
gc.freeze()
