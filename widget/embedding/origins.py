"""Web origins (scheme://host[:port]), written one way everywhere they are compared."""

import re
from urllib.parse import urlsplit

from flask import current_app
from flask import request

#: What a campaign file or a partner may list as a site: scheme and host, no path.
ORIGIN_PATTERN = r"(?i)^https?://[a-z0-9.-]+(:[0-9]{1,5})?/?$"
ORIGIN = re.compile(ORIGIN_PATTERN)
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(text):
    """An origin as browsers send it: lower-case host, no default port, no trailing slash."""
    parts = urlsplit(text.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or port == DEFAULT_PORTS.get(parts.scheme):
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def our_origins():
    """The origins our own pages are served from: the public base URL and the requested host."""
    origins = {normalize_origin(request.host_url)}
    base_url = current_app.config.get("BASE_URL")
    if base_url:
        origins.add(normalize_origin(base_url))
    return origins
