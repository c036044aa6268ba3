"""Static files under URLs that change when their content does, so browsers may keep them a year."""

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app
from flask import request
from flask import url_for

from widget.extensions import compress

ONE_YEAR = 365 * 24 * 60 * 60

#: What is worth compressing (images are compressed already).
COMPRESSED_TYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json"]


def init_app(app):
    app.jinja_env.globals["asset_url"] = asset_url
    # Every static URL the app hands out carries its content hash, so a long lifetime is safe.
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = ONE_YEAR
    # A phone on a slow network gets everything brotli- or gzip-compressed.
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)
    # Registered after the compressor, so it runs before it (Flask runs these in reverse).
    app.after_request(read_static_file_whole)
    app.before_request(ignore_ranges_of_static_files)


def ignore_ranges_of_static_files():
    """Serve our small static files whole: a byte range of a file that is then compressed is wrong."""
    if request.endpoint == "static":
        request.environ.pop("HTTP_RANGE", None)


def read_static_file_whole(response):
    """Hand the compressor a static file as bytes rather than a stream.

    Our files are a few kilobytes; compressing a stream would leave the file open.
    """
    if response.direct_passthrough and response.mimetype in COMPRESSED_TYPES:
        stream = response.response
        try:
            body = b"".join(stream)
        finally:
            if hasattr(stream, "close"):
                stream.close()
        response.direct_passthrough = False
        response.set_data(body)
    return response


def asset_url(filename):
    """The URL of a static file, versioned by a hash of its content."""
    return url_for("static", filename=filename, v=content_hash(current_app.static_folder, filename))


@cache
def content_hash(folder, filename):
    return hashlib.sha256((Path(folder) / filename).read_bytes()).hexdigest()[:12]
