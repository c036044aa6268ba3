"""The yardstick: a bare Flask app, served by gunicorn with the same settings as Megáfono.

`/hello` answers a short text; `/file` sends the file named by BENCH_FILE from disk, as Flask
serves a static file; `/insert` stores each post's body as one row in the SQLite file named by
BENCH_SQLITE and answers see-other, the least any form that keeps what it is sent can cost. The
HTTP benchmarks report Megáfono's numbers as ratios against these.
"""

import os
import sqlite3
import threading

from flask import Flask
from flask import redirect
from flask import request
from flask import send_file

app = Flask(__name__)


@app.get("/hello")
def hello():
    return "Hello, world!"


@app.get("/file")
def file():
    return send_file(os.environ["BENCH_FILE"], mimetype="image/png", etag=True, max_age=3600)


local = threading.local()


def database():
    """This thread's connection, set up as Megáfono sets up SQLite (WAL, NORMAL sync, waiting for the lock)."""
    if not hasattr(local, "connection"):
        connection = sqlite3.connect(os.environ["BENCH_SQLITE"], timeout=15)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        local.connection = connection
    return local.connection


@app.post("/insert")
def insert():
    connection = database()
    with connection:
        connection.execute("INSERT INTO posts (body) VALUES (?)", (request.get_data(as_text=True),))
    return redirect("/hello", 303)
