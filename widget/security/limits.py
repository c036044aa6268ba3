"""Rate limits on what people send: per address, per email address on one campaign, and on the
organizers' sign-in.

Counters live in memory by default (each gunicorn worker keeps its own, so the real limit is a
few times looser) and in Redis when MEGAFONO_REDIS_URL is set, shared by every worker and server.
Limits are generous: many supporters can share one address (a mobile carrier's, a school's).
"""

from email_validator import EmailNotValidError
from email_validator import validate_email
from flask import current_app
from flask import g
from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from widget.forms import email_key

#: The views each limit guards, by endpoint.
ACTIONS = "embedding.act"
SIGN_IN = "dashboard.sign_in"


def init_app(app):
    """One limiter per app (Flask-Limiter keeps its state on the instance), wrapped around the views."""
    limiter = Limiter(
        get_remote_address, app=app, headers_enabled=True, strategy="moving-window",
        key_prefix=app.config["RATE_LIMIT_KEY_PREFIX"],
        storage_uri=app.config["REDIS_URL"] or "memory://",
        # A Redis outage must not take petitions down with it: count in memory until it is back.
        in_memory_fallback_enabled=True,
    )
    guard(app, ACTIONS, limiter.limit(lambda: current_app.config["RATE_LIMIT_PER_ADDRESS"], methods=["POST"]))
    guard(app, ACTIONS, limiter.limit(
        lambda: current_app.config["RATE_LIMIT_PER_EMAIL"], key_func=campaign_and_email, methods=["POST"],
        exempt_when=lambda: campaign_and_email() is None,
    ))
    guard(app, SIGN_IN, limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"], methods=["POST"]))


def guard(app, endpoint, limit):
    app.view_functions[endpoint] = limit(app.view_functions[endpoint])


def campaign_and_email():
    """One person on one campaign, by the keyed digest of their address (never the address itself);
    None when the form has no usable address (a call-in's steps, or a typo the form will point out).
    Worked out once per request: the limit asks for it twice (whether it applies, and its key)."""
    if "limit_key" not in g:
        g.limit_key = None
        address = request.form.get("email", "")[:254]
        try:
            normalized = validate_email(address, check_deliverability=False).normalized if address else None
        except EmailNotValidError:
            normalized = None
        if normalized:
            g.limit_key = f"{request.view_args.get('slug')}:{email_key(normalized)}"
    return g.limit_key
