"""Megáfono over HTTP under load, against a bare Flask app under the same gunicorn settings.

Both apps run under gunicorn with the project's gunicorn.conf.py (same workers and threads); wrk
sends requests from 50 concurrent connections for a few seconds per scenario. Each scenario is
reported as requests per second and p50/p99 latency, and as a ratio to its yardstick on the bare
app. Run with `make bench` or `.venv/bin/python bench/http_bench.py` (needs `wrk`).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import VENV_BIN  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402
from tests.servers import answers  # noqa: E402
from tests.servers import free_port  # noqa: E402
from tests.servers import wait_until  # noqa: E402
from widget import PROJECT_ROOT  # noqa: E402

CONNECTIONS = 50
SECONDS = int(os.environ.get("BENCH_SECONDS", 10))
WORKERS = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int

    def line(self):
        return f"{self.requests_per_second:8.0f} req/s   p50 {self.p50_ms:6.1f} ms   p99 {self.p99_ms:6.1f} ms"


def milliseconds(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def load(url):
    """wrk against one URL, after a short warm-up; the numbers it reports."""
    subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", "-d2s", url], capture_output=True, check=True)
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)),
        p99_ms=milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)),
        errors=errors + (int(non_2xx.group(1)) if non_2xx else 0),
    )


class BareApp:
    """bench/bare_app.py under gunicorn with the project's settings."""

    def __init__(self, served_file):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "MEGAFONO_BIND": f"127.0.0.1:{self.port}", "MEGAFONO_ACCESS_LOG": os.devnull,
                    "WEB_CONCURRENCY": str(WORKERS), "BENCH_FILE": str(served_file)}

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
    """One line: the numbers, then the ratio to the bare app's hello and the SPEC budget for it."""
    ratio = f"   {result.requests_per_second / yardstick.requests_per_second:4.0%} of hello" if yardstick else ""
    goal = f" (budget {budget:.0%})" if budget else ""
    flag = f"   ERRORS: {result.errors}" if result.errors else ""
    print(f"{name:<38}{result.line()}{ratio}{goal}{flag}")


def main():
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    folder = Path(tempfile.mkdtemp(prefix="megafono-bench-"))
    megafono = Gunicorn(f"sqlite:///{folder / 'bench.sqlite3'}", workers=WORKERS,
                        MEGAFONO_GRAPHICS_DIR=str(folder / "graphics"))
    megafono.setup()
    megafono.start()
    try:
        graphic = versioned_graphic_address(megafono.url)
        drawn = next((folder / "graphics").rglob("*.png"))
        with BareApp(drawn) as bare:
            print(f"gunicorn: {WORKERS} workers, {CONNECTIONS} connections, {SECONDS} s per line")
            hello = load(f"{bare.url}/hello")
            report("bare Flask: hello", hello)
            report("bare Flask: the same PNG (send_file)", load(f"{bare.url}/file"), hello)
            report("cached graphic (og, versioned)", load(graphic), hello, budget=0.8)
    finally:
        megafono.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
