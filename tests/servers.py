"""Real servers for tests: gunicorn as production runs it, a private PostgreSQL cluster that a
test may stop and start, and a threaded server for browser tests."""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from werkzeug.serving import make_server

from widget import PROJECT_ROOT

VENV_BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, timeout=30, what="the server"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up within {timeout} s")


def answers(url):
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own test server
        return response.status == 200


def worker_pids(master_pid):
    """The gunicorn master's worker processes, from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:
            pids.append(int(stat.parent.name))
    return pids


class Gunicorn:
    """The app (or another, named as gunicorn names it) under gunicorn with the project's own
    settings, as `make serve` and production run it."""

    def __init__(self, database_url, workers=2, secret_key="gunicorn-test-key", app="wsgi:app", **environment):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("MEGAFONO_")},
            "MEGAFONO_DATABASE_URL": database_url,
            "MEGAFONO_SECRET_KEY": secret_key,
            "MEGAFONO_BIND": f"127.0.0.1:{self.port}",
            "MEGAFONO_ACCESS_LOG": os.devnull,
            "WEB_CONCURRENCY": str(workers),
            # Load tests post from one address; the limits have their own tests.
            "MEGAFONO_RATE_LIMIT_PER_ADDRESS": "1000000 per minute",
            **environment,
        }
        self.process = None

    def setup(self):
        subprocess.run(
            [str(VENV_BIN / "flask"), "--app", "widget", "setup"],
            cwd=PROJECT_ROOT, env=self.env, check=True, capture_output=True, timeout=120,
        )

    def start(self):
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py", self.app],
            cwd=PROJECT_ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        wait_until(lambda: answers(f"{self.url}/healthz"), what="gunicorn")
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process and self.process.stderr:
            self.process.stderr.close()


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temporary folder: never the machine's shared server."""

    def __init__(self):
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.folder = Path(tempfile.mkdtemp(prefix="megafono-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def run(self, program, *arguments):
        command = [str(self.bin / program), *arguments]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self):
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self):
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self):
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class ThreadedServer:
    """Any WSGI app on a free port of a given host name, in a background thread."""

    def __init__(self, wsgi_app, host="127.0.0.1"):
        self.server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join()
