"""Gunicorn as production runs it (gunicorn.conf.py): what its access log says, and does not, and
how its workers share connections."""

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.servers import Gunicorn
from tests.servers import wait_until
from tests.servers import worker_pids

pytestmark = pytest.mark.slow

#: A path anyone can ask for, made to end the log line and forge one of its own.
FORGING_PATH = "/embed/x%0A%7B%22method%22%3A%22FORGED%22%7D%5C"


def test_the_access_log_is_one_json_object_per_request_with_nothing_about_the_supporter(tmp_path):
    log = tmp_path / "access.log"
    server = Gunicorn(f"sqlite:///{tmp_path / 'megafono.sqlite3'}", MEGAFONO_ACCESS_LOG=str(log))
    server.setup()
    server.start()
    try:
        requests.get(f"{server.url}/healthz", timeout=10)
        requests.get(f"{server.url}{FORGING_PATH}?lang=%C3%B1%22", timeout=10)
        requests.post(f"{server.url}/embed/demo-petition?lang=es", timeout=10,
                      data={"given_name": "Ana", "email": "ana@example.org"}, headers={"Sec-Fetch-Site": "same-origin"})
    finally:
        server.stop()

    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(entry["method"], entry["path"], entry["status"]) for entry in entries][-3:] == [
        ("GET", "/healthz", 200),
        ("GET", '/embed/x\n{"method":"FORGED"}\\', 404),
        ("POST", "/embed/demo-petition", 400),
    ]
    forged = entries[-2]
    assert forged["query"] == "lang=%C3%B1%22" and forged["bytes"] > 0 and isinstance(forged["ms"], int)
    assert set(forged) == {"method", "path", "query", "status", "bytes", "ms"}
    written = log.read_text()
    assert "ana@example.org" not in written and "127.0.0.1" not in written and "python-requests" not in written


def test_new_connections_go_to_workers_with_a_thread_free(tmp_path):
    """Six clients connect at once to three workers of two threads: each worker answers two, all
    at the same time, and so again twice more. gunicorn's own threaded worker lets whichever
    wakes first take as many as it can, and answers some a request later while another worker
    has nothing to do."""
    server = Gunicorn(f"sqlite:///{tmp_path / 'unused.sqlite3'}", workers=3, app="tests.slow_app:app",
                      MEGAFONO_THREADS="2", SLOW_APP_SECONDS="1")

    def ask(_):
        return requests.get(server.url, timeout=10).text

    server.start()
    try:
        wait_until(lambda: len(worker_pids(server.process.pid)) == 3, what="every worker")
        time.sleep(0.5)  # the last worker to start is listening too
        rounds = []
        for _ in range(3):
            started = time.monotonic()
            with ThreadPoolExecutor(6) as clients:
                answered_by = list(clients.map(ask, range(6)))
            rounds.append((sorted(Counter(answered_by).values()), time.monotonic() - started < 1.9))
    finally:
        server.stop()
    assert rounds == [([2, 2, 2], True)] * 3


def test_a_worker_kept_busy_by_its_clients_still_takes_a_new_one_soon(tmp_path):
    """One worker of one thread, kept busy without a pause by two kept-alive clients, whose next
    requests arrive before the last is answered. Were it to accept only with a thread free, a
    third client's connection would wait in the kernel's queue as long as the two kept asking."""
    server = Gunicorn(f"sqlite:///{tmp_path / 'unused.sqlite3'}", workers=1, app="tests.slow_app:app",
                      MEGAFONO_THREADS="1", SLOW_APP_SECONDS="0.2")
    stop = threading.Event()

    def keep_asking():
        with requests.Session() as client:
            while not stop.is_set():
                client.get(server.url, timeout=10)

    server.start()
    try:
        with ThreadPoolExecutor(2) as busy:
            asking = [busy.submit(keep_asking) for _ in range(2)]
            try:
                time.sleep(1)
                started = time.monotonic()
                requests.get(server.url, timeout=5)
                waited = time.monotonic() - started
            finally:
                stop.set()
            for client in asking:
                client.result()
    finally:
        server.stop()
    # Its turn comes after the kept-alive clients' requests already queued: about 0.4 s.
    assert waited < 1.2
