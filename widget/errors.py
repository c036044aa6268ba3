"""Error pages in the supporter's language. A database outage is a 503 the service recovers from."""

import logging

from flask import jsonify
from flask import make_response
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from widget.extensions import db

log = logging.getLogger(__name__)

PAGES = {
    400: (_l("Something was wrong with that request"), _l("Please go back and try again.")),
    403: (
        _l("This form can only be sent from its own page"),
        _l("For your safety, we only accept forms sent from the campaign's own page. Please reload it and try again."),
    ),
    404: (_l("Page not found"), _l("There is no campaign at this address. Please check the link.")),
    405: (_l("Something was wrong with that request"), _l("Please go back and try again.")),
    413: (
        _l("That was too much text"),
        _l("What you sent is far longer than any form needs. Please shorten it and try again."),
    ),
    500: (_l("Something went wrong on our side"), _l("Please try again in a few minutes.")),
    503: (_l("We are briefly unavailable"), _l("Please try again in a minute.")),
}

#: After a form was sent, the supporter needs to know where their action stands.
UNAVAILABLE_AFTER_POST = _l("Nothing was saved, so nothing is half-done. Please try again in a minute.")


def init_app(app):
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(PoolTimeoutError, database_unavailable)
    app.register_error_handler(DBAPIError, database_error)


def error_page(status):
    """A translated error page (or JSON for the API) with this status."""
    title, message = PAGES.get(status, PAGES[500])
    if status == 503 and request.method == "POST":
        message = UNAVAILABLE_AFTER_POST
    if request.path.startswith("/api/") or request.path == "/healthz":
        body = jsonify(error=str(title))
    else:
        body = render_template("errors/error.html", title=title, message=message)
    return make_response(body, status)


def http_error(error):
    """Werkzeug's HTTP errors (404, 405, 413, ...) as our own translated pages."""
    response = error_page(error.code or 500)
    # Keep what the exception knows beyond its status, such as Allow on a 405.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def database_unavailable(error):
    """The database cannot be reached: say so, roll back, and let the pool reconnect next time."""
    log.warning("database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
    discard_session()
    response = error_page(503)
    response.headers["Retry-After"] = "30"
    return response


def database_error(error):
    """Other driver errors: a lost connection is an outage; anything else is our bug (a 500)."""
    if error.connection_invalidated:
        return database_unavailable(error)
    log.exception("database error")
    discard_session()
    return error_page(500)


def discard_session():
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may already be gone; the pool replaces it
        log.debug("rollback after database error failed", exc_info=True)
