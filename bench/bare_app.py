"""The yardstick: a bare Flask app, served by gunicorn with the same settings as Megáfono.

`/hello` answers a short text; `/file` sends the file named by BENCH_FILE from disk, as Flask
serves a static file. The HTTP benchmarks report Megáfono's numbers as ratios against these.
"""

import os

from flask import Flask
from flask import send_file

app = Flask(__name__)


@app.get("/hello")
def hello():
    return "Hello, world!"


@app.get("/file")
def file():
    return send_file(os.environ["BENCH_FILE"], mimetype="image/png", etag=True, max_age=3600)
