"""Static files under URLs that change when their content does, so browsers may keep them a year."""

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app
from flask import url_for

ONE_YEAR = 365 * 24 * 60 * 60


def init_app(app):
    app.jinja_env.globals["asset_url"] = asset_url
    # Every static URL the app hands out carries its content hash, so a long lifetime is safe.
    app.config.setdefault("SEND_FILE_MAX_AGE_DEFAULT", ONE_YEAR)


def asset_url(filename):
    """The URL of a static file, versioned by a hash of its content."""
    return url_for("static", filename=filename, v=content_hash(current_app.static_folder, filename))


@cache
def content_hash(folder, filename):
    return hashlib.sha256((Path(folder) / filename).read_bytes()).hexdigest()[:12]
