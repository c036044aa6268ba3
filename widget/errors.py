"""Error pages in the supporter's language. A database outage is a 503 the service recovers from."""

import logging
from math import ceil

from flask import g
from flask import jsonify
from flask import make_response
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from widget.extensions import db
from widget.security.headers import allow_framing_by
from widget.security.limits import campaign_and_email

log = logging.getLogger(__name__)

PAGES = {
    400: (_l("Something went wrong sending the form"), _l("Please go back and try again.")),
    403: (
        _l("This form can only be sent from the campaign's page"),
        _l("For your safety, we only accept forms sent from the campaign's own page. Please reload it and try again."),
    ),
    404: (_l("Page not found"), _l("There is no campaign at this address. Please check the link.")),
    401: (_l("This campaign cannot be shown here"), _l("Its organizers show it only on certain websites.")),
    405: (_l("Something went wrong sending the form"), _l("Please go back and try again.")),
    413: (
        _l("That was too much text"),
        _l("What you sent is too long for this form. Please shorten it and try again."),
    ),
    429: (
        _l("That was a lot of tries in a short time"),
        _l("Nothing was saved. Please wait a few minutes and try again."),
    ),
    500: (_l("Something went wrong on our side"), _l("Please try again in a few minutes.")),
    # NOTE: oEmbed asked for a format other than JSON (XML, say), which this service does not offer.
    501: (_l("Not available in this format"), _l("This address answers in JSON only.")),
    503: (_l("We are briefly unavailable"), _l("Please try again in a few minutes.")),
}

#: The organizers' dashboard says what its own addresses lead to (the rest is as PAGES has it).
DASHBOARD_PAGES = {
    403: (_l("Only for the campaign's own organizers"),
          _l("A partner's account sees its own supporters, but not this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address in the dashboard.")),
}

#: After a form was sent, the supporter needs to know where their action stands.
UNAVAILABLE_AFTER_POST = _l("Nothing was saved, so it is safe to try again in a few minutes.")


#: SQLite's words for a database it cannot use right now (as opposed to a bug in a query).
SQLITE_UNAVAILABLE = ("locked", "unable to open", "disk", "readonly", "full", "busy")


#: Set on a request that already found the database unusable before Flask (the reason, for the log).
DATABASE_UNAVAILABLE = "megafono.database_unavailable"


def init_app(app):
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(PoolTimeoutError, database_unavailable)
    app.register_error_handler(DBAPIError, database_error)
    app.before_request(answer_known_outage)


def answer_known_outage():
    """A request that already waited on a database that did not answer is told so at once,
    instead of waiting for it a second time."""
    reason = request.environ.get(DATABASE_UNAVAILABLE)
    if reason is None:
        return None
    log.warning("database unavailable: %s", reason)
    return unavailable_page()


def outage_found(error, environ):
    """Whether this error means the database is unusable for now; if so, mark the request so
    that Flask answers it at once (see answer_known_outage)."""
    if not isinstance(error, PoolTimeoutError) and not (isinstance(error, DBAPIError) and is_outage(error)):
        return False
    environ[DATABASE_UNAVAILABLE] = outage_reason(error)
    return True


def error_page(status, message=None, title=None):
    """A translated error page (or JSON for the API) with this status, and its own message and
    title if given."""
    usual_title, usual_message = PAGES.get(status, PAGES[500])
    dashboard = is_dashboard(request.path)
    if dashboard:
        usual_title, usual_message = DASHBOARD_PAGES.get(status, (usual_title, usual_message))
    title, message = title or usual_title, message or usual_message
    if status == 503 and request.method == "POST":
        message = UNAVAILABLE_AFTER_POST
    if request.path.startswith("/api/") or request.path in ("/healthz", "/oembed"):
        response = make_response(jsonify(error=str(title)), status)
        # Readable from any site, like the answers: the loader must see a 404 as a 404.
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    if dashboard:
        return make_response(render_template("organizers/error.html", title=title, message=message), status)
    if request.path.startswith("/embed/") and not g.get("frame_ancestors"):
        # Shown inside a partner's iframe: a translated message, not the browser's
        # "refused to connect". It holds no form, so any site may frame it.
        allow_framing_by(["*"])
    return make_response(render_template("errors/error.html", title=title, message=message), status)


def http_error(error):
    """Werkzeug's HTTP errors (404, 405, 413, ...) as our own translated pages."""
    if isinstance(error, RateLimitExceeded):
        return limit_reached(error)
    response = error_page(error.code or 500)
    # Keep what the exception knows beyond its status, such as Allow on a 405.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def limit_reached(error):
    """A 429 that says how long to wait: the limit's whole window, in the page and in
    Retry-After. When the oldest try in it was made is nobody else's business."""
    window = error.limit.limit.get_expiry()
    if is_dashboard(request.path):
        refused = "sign-in"
    elif error.limit.key_func is campaign_and_email:
        refused = "email"
    else:
        refused = "form"
    title = SAME_EMAIL_AGAIN if refused == "email" else None
    response = error_page(429, wait_before_trying_again(window, refused), title=title)
    response.headers["Retry-After"] = str(window)
    return response


#: The same email address posted again and again from one place: most likely someone who signed
#: and was not sure it had worked. Whether it had is not said (widget/security/limits.py).
SAME_EMAIL_AGAIN = _l("This email address was sent several times")


def wait_before_trying_again(seconds, refused="form"):
    """"Please wait N minutes (or hours) and try again", rounded up. A form's own refusal says
    first that nothing was saved; the same email address's, that a signature made before counts."""
    minutes, hours = max(1, ceil(seconds / 60)), ceil(seconds / (60 * 60))
    in_minutes = seconds < 60 * 60
    if refused == "email" and in_minutes:
        return ngettext("If you have already signed with it, your signature counts and there is nothing more to do. "
                        "If not, please wait a minute and try again.",
                        "If you have already signed with it, your signature counts and there is nothing more to do. "
                        "If not, please wait %(num)s minutes and try again.", minutes)
    if refused == "email":
        return ngettext("If you have already signed with it, your signature counts and there is nothing more to do. "
                        "If not, please wait an hour and try again.",
                        "If you have already signed with it, your signature counts and there is nothing more to do. "
                        "If not, please wait %(num)s hours and try again.", hours)
    if refused == "form" and in_minutes:
        return ngettext("Nothing was saved. Please wait a minute and try again.",
                        "Nothing was saved. Please wait %(num)s minutes and try again.", minutes)
    if refused == "form":
        return ngettext("Nothing was saved. Please wait an hour and try again.",
                        "Nothing was saved. Please wait %(num)s hours and try again.", hours)
    if in_minutes:
        return ngettext("Please wait a minute and try again.", "Please wait %(num)s minutes and try again.", minutes)
    return ngettext("Please wait an hour and try again.", "Please wait %(num)s hours and try again.", hours)


def is_dashboard(path):
    return path == "/dashboard" or path.startswith("/dashboard/")


def database_unavailable(error):
    """The database cannot be reached: say so, roll back, and let the pool reconnect next time."""
    log.warning("database unavailable: %s", outage_reason(error))
    discard_session()
    return unavailable_page()


def unavailable_page():
    response = error_page(503)
    response.headers["Retry-After"] = "30"
    return response


def outage_reason(error):
    """What an operator needs to read in the log. SQLite's messages name the problem ("database or
    disk is full", "attempt to write a readonly database") and never the data; others' may."""
    cause = getattr(error, "orig", None) or error
    if type(cause).__module__.startswith("sqlite3"):
        return f"{type(cause).__name__}: {cause}"
    return type(cause).__name__


def database_error(error):
    """A driver error: an outage is a 503 the service recovers from; anything else is our bug (500)."""
    if is_outage(error):
        return database_unavailable(error)
    # Statement parameters are hidden by the engine settings, so this logs no supporter's details.
    log.error("database error: %s", type(getattr(error, "orig", None) or error).__name__, exc_info=error)
    discard_session()
    return error_page(500)


def is_outage(error):
    """Whether the database is unreachable or unusable for now, rather than the query being wrong."""
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError):
        return False
    if error.orig is not None and type(error.orig).__module__.startswith("sqlite3"):
        return any(word in str(error.orig).lower() for word in SQLITE_UNAVAILABLE)
    return True


def discard_session():
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may already be gone; the pool replaces it
        log.debug("rollback after database error failed", exc_info=True)
