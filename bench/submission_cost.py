"""What a petition signature and a call lookup cost in process, against the bare app's hello.

Posts BENCH_SIGNATURES forms of each kind (each with its own one-use token) through the WSGI app
with Flask's test client on a fresh SQLite file, after a warm-up, with the garbage collector
frozen as wsgi.py freezes it; then the bare app's hello as many times. The ratio is the work the
HTTP benchmark's submission and call lookup lines pay for; the HTTP lines add the server, the
network and waiting for the database.

Times are the process's CPU time, not the clock's: on a shared virtual machine the hypervisor
takes the processor away at times (the "steal" in top), which the clock counts and CPU time does
not. Run with `make bench` or `.venv/bin/python bench/submission_cost.py`; BENCH_PROFILE=sign or
BENCH_PROFILE=call prints where that post's time goes instead (cProfile, which slows everything
down).
"""

import cProfile
import gc
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bare_app import app as bare_app  # noqa: E402
from bench.http_bench import call_fields  # noqa: E402
from bench.http_bench import signature_fields  # noqa: E402
from widget import create_app  # noqa: E402
from widget.security.form_token import issue_form_token  # noqa: E402

POSTS = int(os.environ.get("BENCH_SIGNATURES", 2000))
WARM_UP = 200
HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
#: What each kind of post sends (the HTTP benchmark's forms), where, and what a good answer is.
SCENARIOS = {
    "sign": ("demo-petition", 303, signature_fields("cost")),
    "call": ("demo-call", 200, call_fields),
}


def posting_client(folder):
    """The app on a fresh SQLite file with the demo campaigns."""
    app = create_app({
        "SECRET_KEY": "megafono-bench-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/submissions.sqlite3",
        "RATE_LIMIT_PER_ADDRESS": "1000000 per minute",
    })
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    return app


def form_bodies(app, slug, fields):
    shown = time.time() - 60  # shown a minute ago: never "too quick"
    with app.app_context():
        return [urlencode({"token": issue_form_token(slug, shown), **fields(n)}) for n in range(WARM_UP + POSTS)]


def post_all(client, address, bodies, status):
    for body in bodies:
        response = client.post(address, data=body, headers=HEADERS)
        assert response.status_code == status, response.status_code


def per_request_ms(count, run, *args):
    started = time.process_time()
    run(*args)
    return (time.process_time() - started) / count * 1000


def main():
    app = posting_client(tempfile.mkdtemp(prefix="megafono-cost-"))
    client = app.test_client()
    profiled = os.environ.get("BENCH_PROFILE")
    costs = {}
    for name, (slug, status, fields) in SCENARIOS.items():
        address = f"/embed/{slug}?lang=es"
        bodies = form_bodies(app, slug, fields)
        post_all(client, address, bodies[:WARM_UP], status)
        gc.freeze()
        if profiled == name:
            profiler = cProfile.Profile()
            profiler.runcall(post_all, client, address, bodies[WARM_UP:], status)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)
            return 0
        costs[name] = per_request_ms(POSTS, post_all, client, address, bodies[WARM_UP:], status)
    hello_client = bare_app.test_client()
    for _ in range(WARM_UP):
        hello_client.get("/hello")
    hello = per_request_ms(POSTS, lambda: [hello_client.get("/hello") for _ in range(POSTS)])
    print(f"in process, test client, SQLite, CPU time: a signature {costs['sign']:.2f} ms"
          f" ({costs['sign'] / hello:.1f} times hello), a call lookup {costs['call']:.2f} ms"
          f" ({costs['call'] / hello:.1f} times hello), bare hello {hello:.2f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
