"""Refuse form posts that another site makes a browser send (cross-site request forgery)."""

from urllib.parse import urlsplit

from flask import current_app
from flask import request


def post_comes_from_our_pages():
    """True unless the browser says the post was made by a page on another origin.

    Browsers since 2020 send Sec-Fetch-Site; older ones send Origin on posts. A client that sends
    neither is not a browser acting for someone, and still needs a valid form token.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin != "null" and origin.rstrip("/") in our_origins()


def our_origins():
    """The origins our own pages are served from: the public base URL and the requested host."""
    origins = {request.host_url.rstrip("/")}
    base_url = current_app.config.get("BASE_URL")
    if base_url:
        parts = urlsplit(base_url)
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return origins
