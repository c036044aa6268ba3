"""Cards already drawn, answered before Flask: a request for an exact version that is on disk
needs no routing, no database and no request context, only the file.

This is what makes a shared card as cheap to serve as a static file when a post goes viral. Any
other request, including a version not drawn yet, goes on to the Flask view, which checks the
campaign and draws it.
"""

import re
from urllib.parse import parse_qs

from werkzeug.http import parse_etags

from widget.campaigns.schema import LANGUAGE_BODY
from widget.campaigns.schema import SLUG_BODY
from widget.embedding.attribution import SOURCE_CODE
from widget.graphics.render import FORMATS
from widget.graphics.store import stored_png
from widget.graphics.views import card_headers
from widget.security.headers import fixed_security_headers

CARD_PATH = re.compile(
    rf"/graphics/(?P<slug>{SLUG_BODY})/(?P<language>{LANGUAGE_BODY})"
    rf"/(?P<card_format>{'|'.join(FORMATS)})\.png"
)


class CachedCards:
    """WSGI middleware serving drawn cards from GRAPHICS_DIR, with the headers the view would send."""

    def __init__(self, wsgi_app, config):
        self.wsgi_app = wsgi_app
        self.config = config  # the app's: read on each request, as the view reads it
        self.languages = frozenset(config["LANGUAGES"])
        self.headers = {secure: fixed_security_headers(secure) for secure in (False, True)}

    def __call__(self, environ, start_response):
        found = self.drawn_card(environ)
        if found is None:
            return self.wsgi_app(environ, start_response)
        png, version = found
        headers = [*card_headers(version, immutable=True), *self.headers[environ.get("wsgi.url_scheme") == "https"]]
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains(version):
            start_response("304 Not Modified", headers)
            return []
        start_response("200 OK", [("Content-Type", "image/png"), ("Content-Length", str(len(png))), *headers])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [png]

    def drawn_card(self, environ):
        """(png, version) for a well-formed request of a card on disk, else None."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        match = CARD_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or match["language"] not in self.languages:
            return None
        query = parse_qs(environ.get("QUERY_STRING", ""))
        # The first of repeated parameters, as Flask's request.args.get takes.
        version = query.get("v", [""])[0]
        source = query.get("source", [""])[0]
        source = source if SOURCE_CODE.fullmatch(source) else None
        png = stored_png(self.config["GRAPHICS_DIR"], match["slug"], match["language"], match["card_format"], source,
                         version)
        return None if png is None else (png, version)
