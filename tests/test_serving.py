"""Gunicorn as production runs it (gunicorn.conf.py): what its access log says, and does not, and
how its workers share the clients."""

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


def test_new_connections_go_to_whichever_worker_is_free(tmp_path):
    """Six clients ask at once of three workers, whose requests take a second each: each worker
    answers two, one after the other, and so again twice more. A worker that took more than its
    share while another sat idle (gunicorn's threaded worker did, with connections kept alive)
    would keep some client waiting a second longer."""
    server = Gunicorn(f"sqlite:///{tmp_path / 'unused.sqlite3'}", workers=3, app="tests.slow_app:app",
                      SLOW_APP_SECONDS="1")

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
            rounds.append((sorted(Counter(answered_by).values()), time.monotonic() - started < 2.9))
    finally:
        server.stop()
    assert rounds == [([2, 2, 2], True)] * 3


def test_clients_that_ask_again_at_once_do_not_keep_a_new_one_waiting(tmp_path):
    """One worker, kept busy without a pause by two clients that send their next request the
    moment they have an answer. Each connection is closed once answered, so a third client's
    waits in the kernel's queue only behind requests already there: about 0.4 s."""
    server = Gunicorn(f"sqlite:///{tmp_path / 'unused.sqlite3'}", workers=1, app="tests.slow_app:app",
                      SLOW_APP_SECONDS="0.2")
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
                answer = requests.get(server.url, timeout=5)
                waited = time.monotonic() - started
            finally:
                stop.set()
            for client in asking:
                client.result()
    finally:
        server.stop()
    assert waited < 1.2
    assert answer.headers["Connection"].lower() == "close"
