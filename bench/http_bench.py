"""Megáfono over HTTP under load, against a bare Flask app under the same gunicorn settings.

Both apps run under gunicorn with the project's gunicorn.conf.py (the same workers); wrk
sends requests from 50 concurrent connections for a few seconds per scenario. Each scenario is
reported as requests per second and p50/p99 latency, and as a ratio to the bare app's hello run
just after it (the rate in brackets). The embed page with a million more signatures is compared
with the page with few, measured in turn (`compare_rows`). Run with `make bench` or
`.venv/bin/python bench/http_bench.py` (needs `wrk`, which `make bench` installs if it is missing).
"""

import json
import os
import re
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import VENV_BIN  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402
from tests.servers import answers  # noqa: E402
from tests.servers import free_port  # noqa: E402
from tests.servers import wait_until  # noqa: E402
from tests.servers import worker_pids  # noqa: E402
from widget import PROJECT_ROOT  # noqa: E402
from widget import create_app  # noqa: E402
from widget.config import normalize_database_url  # noqa: E402
from widget.security.form_token import issue_form_token  # noqa: E402

SECRET_KEY = "megafono-bench-key"  # noqa: S105 - a throwaway server's key, for signing its form tokens
CONNECTIONS = 50
P99_BUDGET_MS = 100
#: The share of the processor the host may take during a GET run before it is run again.
STEAL_LIMIT = 0.05
SECONDS = int(os.environ.get("BENCH_SECONDS", 10))
#: As production runs: gunicorn.conf.py's own number (which WEB_CONCURRENCY overrides).
WORKERS = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))["workers"]
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
#: Enough one-use form tokens for every post a scenario can send.
POSTS = int(os.environ.get("BENCH_POSTS", 40_000))
MILLION = int(os.environ.get("BENCH_ROWS", 1_000_000))
#: How many times each of the embed pages with few rows and with a million is measured, in turn.
ROW_ROUNDS = int(os.environ.get("BENCH_ROW_ROUNDS", 3))
#: Every 20th ZIP code of the lookup file: what the call lookups post.
ZIP_CODES = [line.split(",")[2] for line in
             (PROJECT_ROOT.parent / "shared" / "data" / "us-congress" / "zccd.csv").read_text().splitlines()[1:2000:20]]


def signature_fields(prefix):
    """A petition form's fields, each post with its own address (prefix-n@example.org)."""
    return lambda n: {"given_name": "Ana", "family_name": "Pérez", "city": "Soyapango",
                      "email": f"{prefix}-{n}@example.org"}


def call_fields(n):
    """The call widget's first step, for one of ZIP_CODES in turn."""
    return {"step": "start", "postal_code": ZIP_CODES[n % len(ZIP_CODES)]}


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    #: The share of the machine's processor time the hypervisor took away during the run.
    steal: float = 0.0

    def line(self):
        return (f"{self.requests_per_second:8.0f} req/s   p50 {self.p50_ms:6.1f} ms   p99 {self.p99_ms:6.1f} ms"
                f"   steal {self.steal:3.0%}")


def milliseconds(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def processor_times():
    """The machine's processor time so far, in all and stolen (/proc/stat's first line, in ticks)."""
    with open("/proc/stat") as stat:
        ticks = [int(n) for n in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal; guest time is already counted in user.
    return sum(ticks[:8]), ticks[7]


def load(url, script=None):
    """wrk against one URL (GET, or what the script sends), after a short warm-up for GETs.

    On a shared virtual machine the host may take the processor away for a while (steal, as top
    calls it), and every figure suffers with it: a GET run that lost more than STEAL_LIMIT of the
    processor is run again, up to three times in all, keeping the least disturbed. Posts are not
    run again (their form tokens are spent); their line says how much was stolen.
    """
    if script:
        return wrk(url, script)
    subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", "-d2s", url], capture_output=True, check=True)
    runs = [wrk(url)]
    while runs[-1].steal > STEAL_LIMIT and len(runs) < 3:
        runs.append(wrk(url))
    return min(runs, key=lambda run: run.steal)


def wrk(url, script=None):
    extra = ["-s", str(script)] if script else []
    total_before, stolen_before = processor_times()
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", *extra, url],
        capture_output=True, text=True, check=True,
    ).stdout
    total_after, stolen_after = processor_times()
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)),
        p99_ms=milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)),
        errors=errors + (int(non_2xx.group(1)) if non_2xx else 0),
        steal=(stolen_after - stolen_before) / max(total_after - total_before, 1),
    )


class BareApp:
    """bench/bare_app.py under gunicorn with the project's settings."""

    def __init__(self, served_file, database):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "MEGAFONO_BIND": f"127.0.0.1:{self.port}", "MEGAFONO_ACCESS_LOG": os.devnull,
                    "WEB_CONCURRENCY": str(WORKERS), "BENCH_FILE": str(served_file), "BENCH_SQLITE": str(database)}

    def __enter__(self):
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py", "bench.bare_app:app"],
            cwd=PROJECT_ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: answers(f"{self.url}/hello"), what="the bare app")
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


def versioned_graphic_address(base_url):
    """The og card's address as the action page gives it (drawn on this first request)."""
    with urllib.request.urlopen(f"{base_url}/c/demo-petition?lang=es") as response:  # noqa: S310
        page = response.read().decode()
    address = re.search(r'<meta property="og:image" content="([^"]+)"', page).group(1).replace("&amp;", "&")
    path = address.split("://", 1)[1].split("/", 1)[1]
    with urllib.request.urlopen(f"{base_url}/{path}") as response:  # noqa: S310
        response.read()
    return f"{base_url}/{path}"


def report(name, result, yardstick=None, budget=None):
    """One line: the numbers, then the ratio to the bare app's hello (and hello's own rate) and the
    SPEC budget for it. Returns the ratio."""
    share = result.requests_per_second / yardstick.requests_per_second if yardstick else None
    ratio = f"   {share:4.0%} of hello ({yardstick.requests_per_second:.0f})" if yardstick else ""
    goal = f" (budget {budget:.0%})" if budget else ""
    flag = f"   ERRORS: {result.errors}" if result.errors else ""
    if result.p99_ms > P99_BUDGET_MS:
        flag += f"   p99 over {P99_BUDGET_MS} ms"
    print(f"{name:<44}{result.line()}{ratio}{goal}{flag}", flush=True)
    return share


def posting_script(folder, name, bodies):
    """A wrk script that posts each body once (a fresh form token and address every time)."""
    script = folder / f"{name}.lua"
    listed = ",\n".join(json.dumps(body) for body in bodies)
    script.write_text(f"""
bodies = {{
{listed}
}}
local threads = 0
function setup(thread) thread:set("offset", threads); threads = threads + 1 end
local sent = 0
function request()
  sent = sent + 1
  local body = bodies[((sent * 2 + offset) % #bodies) + 1]
  return wrk.format("POST", nil, {{["Content-Type"] = "application/x-www-form-urlencoded",
                                  ["Sec-Fetch-Site"] = "same-origin"}}, body)
end
""")
    return script


def form_bodies(database_url, slug, fields, count):
    """Bodies with tokens signed as the server signs them, shown a minute ago (no "too quick")."""
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": database_url})
    shown = time.time() - 60
    with app.app_context():
        return [urlencode({"token": issue_form_token(slug, shown), **fields(number)}) for number in range(count)]


def worker_rss_mib(master_pid):
    """The largest resident memory of the master's workers, in MiB."""
    sizes = []
    for pid in worker_pids(master_pid):
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"^VmRSS:\s+(\d+)", status, re.MULTILINE).group(1)) / 1024)
    return max(sizes)


def fill_signatures(database_url, count):
    """Store `count` more signatures on the demo petition, straight into the database."""
    engine = create_engine(normalize_database_url(database_url))
    numbers = ("SELECT n FROM generate_series(1, :count) AS n" if engine.dialect.name == "postgresql" else
               "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :count) SELECT n FROM s")
    with engine.begin() as connection:
        campaign = connection.execute(text("SELECT id FROM campaigns WHERE slug = 'demo-petition'")).scalar()
        insert = (
            "INSERT INTO signatures (campaign_id, given_name, email, email_key, language, opted_in, consented, "
            "created_at) SELECT :campaign, 'Bench', 'bench' || n || '@example.org', 'bench-' || n, 'es', "
            "false, false, CURRENT_TIMESTAMP FROM ({numbers}) AS numbers"
        )
        connection.execute(text(insert.format(numbers=numbers)), {"campaign": campaign, "count": count})
        connection.execute(text("UPDATE campaigns SET action_count = action_count + :count WHERE id = :campaign"),
                           {"campaign": campaign, "count": count})
    # A bulk load leaves work behind that a petition gathering its signatures over days has long
    # done: PostgreSQL's checkpoint of what it wrote, SQLite's write-ahead log (which every read
    # looks through until it is copied into the database), the disk's writeback. Done here, so
    # that the next line measures the embed page and not the clean-up.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            try:
                connection.execute(text("CHECKPOINT"))
            except DBAPIError as error:  # it needs a superuser (or pg_checkpoint): measure anyway
                print(f"    (no checkpoint after the load: {error.orig})", flush=True)
        elif connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).first()[0]:
            print("    (the write-ahead log could not be emptied after the load: a reader held it)", flush=True)
    engine.dispose()
    os.sync()


@contextmanager
def fresh_database(kind, folder, name="bench"):
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{name}.sqlite3'}"
        for written in folder.glob(f"{name}.sqlite3*"):
            written.unlink()
        return
    server = os.environ.get("MEGAFONO_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    admin = create_engine(normalize_database_url(server), isolation_level="AUTOCOMMIT")
    name = f"megafono_{name}_{os.getpid()}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalize_database_url(server)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def megafono_server(database_url, folder, kind):
    """Megáfono under gunicorn on a fresh database, set up and started; stopped after."""
    server = Gunicorn(database_url, workers=WORKERS, secret_key=SECRET_KEY,
                      MEGAFONO_GRAPHICS_DIR=str(folder / f"graphics-{kind}"))
    server.setup()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def bench_setting(prefix):
    """A scratch folder and the bare app serving from it; the benchmark stops at once (status 1)
    if wrk is missing."""
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with BareApp(PROJECT_ROOT / "static" / "widget.css", folder / "bare.sqlite3") as bare:
            yield folder, bare
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench_database(kind, folder, hello):
    """Every scenario on one database: embed page, submission, call lookup, each compared with
    the bare app's hello, run again (`hello()`) just after it; then 1 vs 1,000,000 rows."""
    # The disk still writing out what the last database stored (a million rows) would slow this one.
    os.sync()
    with fresh_database(kind, folder) as database_url, megafono_server(database_url, folder, kind) as megafono:
        embed = f"{megafono.url}/embed/demo-petition?lang=es"
        report(f"{kind}: embed page", load(embed), hello(), budget=0.6)
        bodies = form_bodies(database_url, "demo-petition", signature_fields(kind), POSTS)
        report(f"{kind}: petition submission", load(embed, posting_script(folder, f"sign-{kind}", bodies)),
               hello(), budget=0.3)
        bodies = form_bodies(database_url, "demo-call", call_fields, POSTS)
        report(f"{kind}: call lookup (ZIP to members)",
               load(f"{megafono.url}/embed/demo-call?lang=es", posting_script(folder, f"call-{kind}", bodies)),
               hello())
        if kind == "sqlite":
            report("cached graphic (og, versioned)", load(versioned_graphic_address(megafono.url)), hello(),
                   budget=0.8)
        rss = worker_rss_mib(megafono.process.pid)
        compare_rows(kind, folder, embed)
        print(f"{kind}: worker RSS after load: {rss:.0f} MiB", flush=True)


def compare_rows(kind, folder, few_rows_embed):
    """The embed page of a second server, whose database holds a million more signatures, against
    the first one's: measured in turn, few rows first and last (ROW_ROUNDS runs with the million,
    one more with few), each run with the million compared with the mean of the two runs around
    it, and the median of those ratios reported. A steady drift in the machine's speed weighs on
    both sides of each ratio alike, and a sudden change spoils at most one ratio, which the median
    leaves aside. (Comparing each line with its own hello let one slow hello swing the comparison
    by a third; three runs of each compared by their medians, by a fifth.)"""
    with fresh_database(kind, folder, "million") as database_url, \
            megafono_server(database_url, folder, f"{kind}-million") as million:
        fill_signatures(database_url, MILLION)
        many_rows_embed = f"{million.url}/embed/demo-petition?lang=es"
        few, many = [], []

        def measure(rates, name, address):
            result = load(address)
            report(f"{kind}: embed page, {name} ({len(rates) + 1})", result)
            rates.append(result.requests_per_second)

        for _ in range(ROW_ROUNDS):
            measure(few, "few rows", few_rows_embed)
            measure(many, "1M more rows", many_rows_embed)
        measure(few, "few rows", few_rows_embed)
    ratios = [rate / ((before + after) / 2) for rate, before, after in zip(many, few, few[1:], strict=False)]
    print(f"{kind}: embed page with 1M more rows / with few, median of {ROW_ROUNDS} runs each against the two around"
          f" it: {statistics.median(ratios):.0%} ({', '.join(f'{ratio:.0%}' for ratio in ratios)})"
          " (budget: within 20%)", flush=True)


def main():
    with bench_setting("megafono-bench-") as (folder, bare):
        print(f"gunicorn: {WORKERS} workers, {CONNECTIONS} connections, {SECONDS} s per line", flush=True)
        report("bare Flask: hello", load(f"{bare.url}/hello"))

        def hello():
            # Measured again for each line, just after it: the machine's speed drifts during a
            # run (the host's other guests), and only neighbours in time compare fairly.
            return load(f"{bare.url}/hello")
        # What storing anything at all costs: the floor under a petition submission's ratio.
        bodies = [urlencode({"given_name": "Ana", "email": f"bare-{n}@example.org"}) for n in range(POSTS)]
        report("bare Flask: one SQLite insert per post", load(f"{bare.url}/insert",
               posting_script(folder, "bare-insert", bodies)), hello())
        bare_rss = worker_rss_mib(bare.process.pid)
        for kind in DATABASES:
            bench_database(kind, folder, hello)
        print(f"bare Flask worker RSS: {bare_rss:.0f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
