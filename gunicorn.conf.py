"""Gunicorn settings for Megáfono, used by `make serve`, the benchmarks and production alike.

Every value can be changed from the environment; see docs/deploy.md.
"""

import json
import multiprocessing
import os

from gunicorn.glogging import Logger

bind = os.environ.get("MEGAFONO_BIND", "127.0.0.1:8000")
# One worker per processor, and one more to take a request while another waits on the database.
# On two cores with PostgreSQL on the same machine, three workers against five (gunicorn's
# suggested two per core, plus one), alternated: as many PostgreSQL signatures a second, SQLite's
# at 35% of hello against 30-33%, and lower p99s on every line (call lookups 65-108 ms against
# 85-117), since fewer processes take turns on each core (docs/performance.md). With the database
# on another host each answer takes longer to come: raise WEB_CONCURRENCY there if the processors
# sit idle under load.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
# gunicorn's own worker: one request at a time per process, each connection closed once answered.
# Megáfono's requests are short and keep the processor busy, and its database answers within a
# millisecond, so threads in a worker only took turns at Python's lock, and a kept-alive connection
# waited for its own worker while others sat idle. Without threads, the same five processes took
# 1,640-1,960 SQLite signatures a second instead of 980-1,310, at a p99 of 40-49 ms instead of
# 104-141 ms, and PostgreSQL's p99 halved (docs/performance.md). A worker without threads cannot
# wait for a slow client meanwhile, so anything facing the internet goes behind a proxy that
# buffers requests and answers (nginx, or a platform's router): docs/deploy.md says how.
worker_class = "sync"
# A worker that stops answering (stuck on a dead database connection, say) is replaced.
timeout = 30
graceful_timeout = 20


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
