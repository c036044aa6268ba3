"""A WSGI app for serving tests: each request takes SLOW_APP_SECONDS, then names the worker's process."""

import os
import time


def app(environ, start_response):
    time.sleep(float(os.environ.get("SLOW_APP_SECONDS", "0.5")))
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
