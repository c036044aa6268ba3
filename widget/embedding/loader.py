"""`/widget.js`: the one-line loader partners paste, served minified and cacheable."""

import hashlib
from functools import cache

import rjsmin
from flask import current_app
from flask import request

#: Partners link to this URL without a version, so browsers and CDNs keep it only this long
#: before asking again (an ETag makes asking cheap).
LOADER_MAX_AGE = 60 * 60


@cache
def minified_loader(static_folder):
    """The loader's source without comments and spaces (it must stay small), and its ETag."""
    with open(f"{static_folder}/widget.js", encoding="utf-8") as source:
        code = rjsmin.jsmin(source.read())
    return code, hashlib.sha256(code.encode()).hexdigest()[:20]


def loader():
    """The embed loader: turns each `<div data-megafono="slug">` on a page into a sized iframe."""
    code, etag = minified_loader(current_app.static_folder)
    response = current_app.response_class(code, mimetype="text/javascript")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = LOADER_MAX_AGE
    response.cache_control.stale_while_revalidate = 24 * 60 * 60
    # Other sites load it with a script tag, including sites that isolate themselves (COEP).
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)
