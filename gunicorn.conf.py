"""Gunicorn settings for Megáfono, used by `make serve`, the benchmarks and production alike.

Every value can be changed from the environment; see docs/deploy.md.
"""

import json
import multiprocessing
import os
import time

from gunicorn.glogging import Logger
from gunicorn.workers.gthread import ThreadWorker

bind = os.environ.get("MEGAFONO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("MEGAFONO_THREADS", 4))
# A worker that stops answering (stuck on a dead database connection, say) is replaced.
timeout = 30
graceful_timeout = 20
keepalive = 5


class FairThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, taking a new connection only while one of its threads is free.

    The stock worker takes every connection it can (up to worker_connections, a thousand) and
    queues their requests for its threads. Workers race for each new connection, and the one
    that is free wins them all: after 50 clients connected at once, one worker of five held all
    50 connections (and another time 41 of them) and ran on one core while the rest sat idle. A
    kept-alive connection stays with its worker, so it never evened out. This worker stops
    listening while every thread has a request, and a new connection waits in the kernel's
    queue for the first worker with a thread to spare. So that kept-alive clients cannot keep a
    new one waiting for ever, a busy worker still takes one if it has taken none for a while.
    """

    #: What of gunicorn's worker this relies on (checked before use, below).
    HOOKS = ("accept", "enqueue_req", "finish_request", "set_accept_enabled")
    #: The longest a worker whose threads are all busy goes without taking a new connection (s).
    LONGEST_REFUSAL = 0.1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: Requests given to the threads and not finished; only the main thread uses these two.
        self.in_flight = 0
        self.last_accepted = 0.0

    def accept(self, listener):
        self.last_accepted = time.monotonic()
        super().accept(listener)

    def enqueue_req(self, conn):
        super().enqueue_req(conn)
        self.in_flight += 1
        if self.in_flight >= self.cfg.threads:
            self.set_accept_enabled(False)

    def finish_request(self, conn, fs):
        self.in_flight -= 1
        super().finish_request(conn, fs)

    def set_accept_enabled(self, enabled):
        # gunicorn's main loop asks to accept again whenever it has room for more connections.
        busy = self.in_flight >= self.cfg.threads and time.monotonic() - self.last_accepted < self.LONGEST_REFUSAL
        super().set_accept_enabled(enabled and not busy)


# A gunicorn without these hooks gets its own threaded worker, which serves alike, less evenly.
worker_class = FairThreadWorker if all(hasattr(ThreadWorker, hook) for hook in FairThreadWorker.HOOKS) else "gthread"


class JsonAccessLog(Logger):
    """Access logs as one JSON object per request: method, path, query, status, size, duration.

    No client address, no form body, no user agent: nothing that identifies a supporter. Written
    with json.dumps, so a path with a newline or a quote in it (anyone can ask for one) stays
    inside its own line and its own string, and anything not ASCII is escaped (no character that
    turns a terminal's text around); gunicorn's access_log_format would let it forge another
    line. It also skips the twenty-odd other fields gunicorn works out for each request.
    """

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        try:
            status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
            self.access_log.info(json.dumps({
                "method": environ.get("REQUEST_METHOD"),
                "path": wsgi_text(environ.get("PATH_INFO", "")),
                "query": wsgi_text(environ.get("QUERY_STRING", "")),
                "status": int(status),
                "bytes": getattr(resp, "sent", None),
                "ms": round(request_time.total_seconds() * 1000),
            }))
        except Exception:  # noqa: BLE001 - as gunicorn's own: a log line never breaks an answer
            self.exception("the access log could not be written")


def wsgi_text(value):
    """A WSGI string (the request's bytes read as Latin-1) as the UTF-8 text it was sent as."""
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


accesslog = os.environ.get("MEGAFONO_ACCESS_LOG", "-")
logger_class = JsonAccessLog
