"""The WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

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
