"""Refuse form posts that another site makes a browser send (cross-site request forgery)."""

from flask import request

from widget.embedding.origins import our_origins
from widget.embedding.origins import sent_origin

#: The Sec-Fetch-Site values of a post made by one of our own pages (or typed by the person).
OUR_PAGES = ("same-origin", "none")


def post_comes_from_our_pages():
    """True unless the browser says the post was made by a page on another origin.

    Browsers since 2020 send Sec-Fetch-Site; older ones send Origin on posts. A client that sends
    neither is not a browser acting for someone, and still needs a valid form token.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in OUR_PAGES
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin != "null" and sent_origin(origin) in our_origins()
