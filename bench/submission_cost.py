"""What one petition signature costs in process, against the bare app's hello, without HTTP.

Posts BENCH_SIGNATURES forms (each with its own one-use token and address) through the WSGI
app with Flask's test client on a fresh SQLite file, after a warm-up, with the garbage collector
frozen as wsgi.py freezes it; then the same for the bare app's hello. The ratio is the work the
HTTP benchmark's submission line pays for; the HTTP line adds the server, the network and
waiting for the database. Run with `make bench` or `.venv/bin/python bench/submission_cost.py`;
BENCH_PROFILE=1 prints where the time goes instead (cProfile, which slows everything down).
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
from widget import create_app  # noqa: E402
from widget.security.form_token import issue_form_token  # noqa: E402

SIGNATURES = int(os.environ.get("BENCH_SIGNATURES", 2000))
WARM_UP = 200
FORM = "/embed/demo-petition?lang=es"
HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}


def signing_client(folder):
    """The app on a fresh SQLite file with the demo campaigns, and bodies to post to it."""
    app = create_app({
        "SECRET_KEY": "megafono-bench-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/submissions.sqlite3",
        "RATE_LIMIT_PER_ADDRESS": "1000000 per minute",
    })
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    shown = time.time() - 60  # shown a minute ago: never "too quick"
    with app.app_context():
        bodies = [
            urlencode({"token": issue_form_token("demo-petition", shown), "given_name": "Ana",
                       "family_name": "Pérez", "city": "Soyapango", "email": f"cost-{n}@example.org"})
            for n in range(WARM_UP + SIGNATURES)
        ]
    return app.test_client(), bodies


def post_all(client, bodies):
    for body in bodies:
        response = client.post(FORM, data=body, headers=HEADERS)
        assert response.status_code == 303, response.status_code


def per_request_ms(run, count):
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) / count * 1000


def main():
    folder = tempfile.mkdtemp(prefix="megafono-cost-")
    client, bodies = signing_client(folder)
    post_all(client, bodies[:WARM_UP])
    measured = bodies[WARM_UP:]
    gc.freeze()
    if os.environ.get("BENCH_PROFILE"):
        profiler = cProfile.Profile()
        profiler.runcall(post_all, client, measured)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)
        return 0
    signature = per_request_ms(lambda: post_all(client, measured), len(measured))
    hello_client = bare_app.test_client()
    for _ in range(WARM_UP):
        hello_client.get("/hello")
    hello = per_request_ms(lambda: [hello_client.get("/hello") for _ in range(SIGNATURES)], SIGNATURES)
    print(f"in process, test client, SQLite: a signature {signature:.2f} ms, bare hello {hello:.2f} ms,"
          f" {signature / hello:.1f} times hello", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
