"""Gunicorn settings for Megáfono, used by `make serve`, the benchmarks and production alike.

Every value can be changed from the environment; see docs/deploy.md.
"""

import multiprocessing
import os

bind = os.environ.get("MEGAFONO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("MEGAFONO_THREADS", 4))
# A worker that stops answering (stuck on a dead database connection, say) is replaced.
timeout = 30
graceful_timeout = 20
keepalive = 5
# Access logs are one JSON object per request with method, path, status, size and duration.
# No client address, no form body, no user agent: nothing that identifies a supporter.
accesslog = os.environ.get("MEGAFONO_ACCESS_LOG", "-")
access_log_format = '{"method":"%(m)s","path":"%(U)s","query":"%(q)s","status":%(s)s,"bytes":"%(B)s","ms":%(M)s}'
