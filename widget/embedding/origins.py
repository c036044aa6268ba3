"""Web origins (scheme://host[:port]), written one way everywhere they are compared."""

import re
from urllib.parse import urlsplit

from flask import abort
from flask import current_app
from flask import g
from flask import request

#: What a campaign file or a partner may list as a site: scheme and host, no path.
ORIGIN_PATTERN = r"(?i)^https?://[a-z0-9.-]+(:[0-9]{1,5})?/?$"
ORIGIN = re.compile(ORIGIN_PATTERN)
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(text):
    """An origin as browsers send it: lower-case host, no default port, no trailing slash.
    Raises ValueError for what is no address (a port that is no number, or out of range)."""
    parts = urlsplit(text.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or port == DEFAULT_PORTS.get(parts.scheme):
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def sent_origin(text):
    """An origin a request gave (a header, a parameter), normalized; None for one that is no
    address, which then matches no site."""
    try:
        return normalize_origin(text)
    except ValueError:
        return None


def requested_origin():
    """The origin the request was sent to, from its Host header (and, behind a proxy, its
    X-Forwarded-Proto); None if a client made that no web address. Worked out once per request:
    every request Flask answers asks first (`refuse_a_host_that_is_no_address`)."""
    if "requested_origin" not in g:
        g.requested_origin = origin_of_request()
    return g.requested_origin


def origin_of_request():
    # Werkzeug gives a Host it finds malformed as an empty host (older releases raised ValueError).
    try:
        scheme, host, host_url = request.scheme, request.host, request.host_url
    except ValueError:
        return None
    return sent_origin(host_url) if host and scheme in DEFAULT_PORTS else None


def refuse_a_host_that_is_no_address():
    """Before Flask answers a request: one sent to no web address is a bad request, refused
    before any link, share address or QR code is made from it."""
    if requested_origin() is None:
        abort(400)


def our_origins():
    """The origins our own pages are served from: the public base URL and the requested host."""
    origins = {requested_origin()} - {None}  # none on the error page that refuses a bad host
    base_url = current_app.config.get("BASE_URL")
    if base_url:
        origins.add(normalize_origin(base_url))
    return origins
