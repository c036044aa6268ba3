"""Posts alone over HTTP, each run next to the bare app's hello, with what a post costs the processors.

`http_bench.py` runs every line once. To see what a change to the signature's path does, this
runs only the posts, a few rounds, each just after a hello: petition signatures (or, with
BENCH_POSTS_KIND=call, call lookups) on each database in BENCH_DATABASES. For each round it
prints the wrk line and, per post, the CPU time of the gunicorn workers (user and system, read
from /proc), their context switches, and the CPU time of
the PostgreSQL server's processes when the server runs on this machine. Run it twice, on the
code before and after a change, and alternate: this machine's speed drifts more than most
changes move it.

    .venv/bin/python bench/post_load.py                      # both databases, 3 rounds of 10 s
    BENCH_DATABASES=postgresql BENCH_ROUNDS=2 BENCH_SECONDS=8 .venv/bin/python bench/post_load.py
"""

import dataclasses
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.http_bench import DATABASES  # noqa: E402
from bench.http_bench import POSTS  # noqa: E402
from bench.http_bench import SECONDS  # noqa: E402
from bench.http_bench import WORKERS  # noqa: E402
from bench.http_bench import bench_setting  # noqa: E402
from bench.http_bench import call_fields  # noqa: E402
from bench.http_bench import form_bodies  # noqa: E402
from bench.http_bench import fresh_database  # noqa: E402
from bench.http_bench import load  # noqa: E402
from bench.http_bench import megafono_server  # noqa: E402
from bench.http_bench import posting_script  # noqa: E402
from bench.http_bench import report  # noqa: E402
from bench.http_bench import signature_fields  # noqa: E402
from bench.http_bench import wrk  # noqa: E402
from tests.servers import worker_pids  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
POST_KIND = os.environ.get("BENCH_POSTS_KIND", "sign")
TICKS = os.sysconf("SC_CLK_TCK")
#: What each kind posts: the campaign, and each post's fields.
POSTED = {"sign": ("demo-petition", signature_fields("load")), "call": ("demo-call", call_fields)}


@dataclass
class Spent:
    """Processor time (s) and context switches of some processes, all their threads counted."""

    user: float = 0.0
    system: float = 0.0
    voluntary: int = 0
    involuntary: int = 0

    def __add__(self, other):
        return Spent(*(getattr(self, name) + getattr(other, name) for name in FIELDS))

    def __sub__(self, other):
        return Spent(*(getattr(self, name) - getattr(other, name) for name in FIELDS))


FIELDS = [field.name for field in dataclasses.fields(Spent)]


def spent(pids):
    """Spent by each of these processes so far (a process that has gone is left out)."""
    by_process = {}
    for pid in pids:
        total = Spent()
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                status = (task / "status").read_text()
                user, system = int(fields[11]) / TICKS, int(fields[12]) / TICKS
                total.user += user
                total.system += system
                total.voluntary += int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)", status, re.M).group(1))
                total.involuntary += int(re.search(r"^nonvoluntary_ctxt_switches:\s+(\d+)", status, re.M).group(1))
        except (FileNotFoundError, ProcessLookupError):
            continue  # gone meanwhile (a PostgreSQL backend that closed)
        by_process[pid] = total
    return by_process


def spent_since(before, after):
    """What processes spent from one reading of `spent` to a later one (one started in between:
    all it has spent; one gone in between: nothing)."""
    total = Spent()
    for pid, now in after.items():
        total = total + (now - before.get(pid, Spent()))
    return total


def database_server_pids():
    """This machine's PostgreSQL processes, if it runs the server (none otherwise): all of them,
    so run nothing else against the server meanwhile."""
    return [int(entry.name) for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and read_or_empty(entry / "comm").strip() == "postgres"]


def read_or_empty(path):
    try:
        return path.read_text()
    except OSError:
        return ""


def per_post(workers, database, posts):
    """The line under each round: milliseconds and context switches per post."""
    posts = max(posts, 1)
    line = (f"    per post: workers {1000 * workers.user / posts:.2f} ms user"
            f" + {1000 * workers.system / posts:.2f} ms system,"
            f" {workers.voluntary / posts:.1f} + {workers.involuntary / posts:.1f} context switches")
    if database is not None:
        line += f"; PostgreSQL server {1000 * (database.user + database.system) / posts:.2f} ms"
    return line


def bench_posts(database_kind, folder, bare):
    slug, fields = POSTED[POST_KIND]
    with fresh_database(database_kind, folder) as database_url, \
            megafono_server(database_url, folder, database_kind) as server:
        embed = f"{server.url}/embed/{slug}?lang=es"
        load(embed)  # warm the workers up
        bodies = form_bodies(database_url, slug, fields, POSTS * ROUNDS)
        workers = worker_pids(server.process.pid)
        on_server = database_kind == "postgresql"
        for number in range(ROUNDS):
            hello = load(f"{bare.url}/hello")
            script = posting_script(folder, f"{POST_KIND}-{database_kind}-{number}",
                                    bodies[number * POSTS:(number + 1) * POSTS])
            before, database_before = spent(workers), spent(database_server_pids() if on_server else [])
            result = wrk(embed, script)
            after = spent(workers)
            used = spent_since(before, after)
            if len(after) < len(workers):
                print("    a worker was replaced during this round: the figures per post leave it out", flush=True)
            database_used = spent_since(database_before, spent(database_server_pids() if on_server else []))
            report(f"{database_kind}: {POST_KIND}, round {number + 1}", result, hello)
            print(per_post(used, database_used if on_server else None, result.requests_per_second * SECONDS),
                  flush=True)


def main():
    with bench_setting("megafono-posts-") as (folder, bare):
        print(f"gunicorn: {WORKERS} workers, {SECONDS} s per line, {ROUNDS} rounds", flush=True)
        for kind in DATABASES:
            bench_posts(kind, folder, bare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
