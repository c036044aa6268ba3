"""Rate limits on what people send: per address, per email address from one address on one
campaign, and on the organizers' sign-in.

Counters live in memory by default (each gunicorn worker keeps its own, so the real limit is a
few times looser) and in Redis when MEGAFONO_REDIS_URL is set, shared by every worker and server.
Limits are generous: many supporters can share one address (a mobile carrier's, a school's).

What the limits count must not tell anyone about anyone else. They are keyed by a digest of the
address (`client_key`), never the address, which would otherwise sit in Redis for an hour. An
email address is counted only with the address it came from: keyed on the email alone, anyone
could post someone's address ten times and see from the tenth answer whether that person had
signed in the last hour. And answers carry no counts: how many tries an address has left would
tell others behind the same address (a workplace, a school) that someone there had just posted.
"""

import ipaddress
import logging
import threading
from functools import cache

from email_validator import EmailNotValidError
from email_validator import validate_email
from flask import current_app
from flask import g
from flask import request
from flask_limiter import Limiter
from limits import parse_many
from limits.storage import MemoryStorage

from widget.forms import SWITCH_LANGUAGE
from widget.forms import clean_text
from widget.forms import email_key
from widget.security.privacy import ip_digest

log = logging.getLogger(__name__)

#: The views each limit guards, by endpoint.
ACTIONS = "embedding.act"
SIGN_IN = "dashboard.sign_in"

#: Where the app keeps its limiter, for posts answered before Flask.
LIMITER = "megafono.limiter"

#: Where a request's `client_key` is kept once worked out.
CLIENT_KEY = "megafono.client_key"

#: Set on a post already counted against the limits before Flask, which then does not count it
#: again (the post went on to Flask because it could not be taken there after all).
COUNTED = "megafono.limits_counted"


def init_app(app):
    """One limiter per app (Flask-Limiter keeps its state on the instance), wrapped around the views."""
    limiter = Limiter(
        request_client_key, app=app, headers_enabled=False, strategy="moving-window",
        key_prefix=app.config["RATE_LIMIT_KEY_PREFIX"],
        storage_uri=app.config["REDIS_URL"] or memory_storage_uri(),
        # A Redis outage must not take petitions down with it: count in memory until it is back.
        in_memory_fallback_enabled=True,
    )
    app.extensions[LIMITER] = limiter
    guard(app, ACTIONS, limiter.limit(
        lambda: current_app.config["RATE_LIMIT_PER_ADDRESS"], methods=["POST"], exempt_when=counted_before_flask,
    ))
    guard(app, ACTIONS, limiter.limit(
        lambda: current_app.config["RATE_LIMIT_PER_EMAIL"], key_func=campaign_and_email, methods=["POST"],
        exempt_when=lambda: counted_before_flask() or campaign_and_email() is None,
    ))
    guard(app, SIGN_IN, limiter.limit(lambda: current_app.config["RATE_LIMIT_SIGN_IN"], methods=["POST"]))


class SweptMemoryStorage(MemoryStorage):
    """limits' counters in memory, cleared of expired ones every few seconds rather than every 10 ms.

    The parent starts a timer thread 10 ms after any hit that finds none waiting, and the thread
    walks every counter the worker holds. Each supporter's address on a campaign has its own
    counter, kept for the hour its limit lasts: in a busy hour the walk never stopped, and took a
    third of a signing worker's time. Sweeping is only tidying: every read of a counter already
    leaves out what has expired, so limits hold exactly as before.
    """

    STORAGE_SCHEME = ["megafono-memory"]
    SWEEP_EVERY = 10.0
    #: What of the parent's insides this relies on (checked before use: see memory_storage_uri).
    PARENT_HOOKS = ("_MemoryStorage__schedule_expiry", "_MemoryStorage__expire_events")

    def _MemoryStorage__schedule_expiry(self):
        # The parent's own hook (name-mangled), called on every hit; tests check it is this one.
        if not self.timer.is_alive():
            self.timer = threading.Timer(self.SWEEP_EVERY, self._MemoryStorage__expire_events)
            self.timer.daemon = True  # nothing to finish: a process may end without waiting for it
            self.timer.start()


def memory_storage_uri():
    """The swept storage, unless this version of limits has moved the hook it replaces (a newer
    one may): then limits' own, which sweeps more often but counts alike."""
    if all(hasattr(MemoryStorage, name) for name in SweptMemoryStorage.PARENT_HOOKS):
        return f"{SweptMemoryStorage.STORAGE_SCHEME[0]}://"
    log.warning("limits' memory storage has changed: its counters are swept as limits sweeps them")
    return "memory://"


def guard(app, endpoint, limit):
    app.view_functions[endpoint] = limit(app.view_functions[endpoint])


def client_key(environ):
    """Who sent a request, as the limits count them: a keyed digest of the address, never the
    address itself, and one for a whole IPv6 /64 (what one home or phone is given: an address
    in it costs nothing to change). Worked out once per request."""
    key = environ.get(CLIENT_KEY)
    if key is None:
        key = environ[CLIENT_KEY] = ip_digest(network_of(environ.get("REMOTE_ADDR") or "127.0.0.1"))
    return key


def network_of(address):
    """The address as limits count it: an IPv4 address (mapped into IPv6 or not) as it is, an
    IPv6 one as its /64."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.IPv6Network((parsed, 64), strict=False).network_address) + "/64"


def request_client_key():
    return client_key(request.environ)


def counted_before_flask():
    return request.environ.get(COUNTED, False)


def campaign_and_email():
    """One email address from one sender on one campaign (see email_limit_key); worked out once
    per request: the limit asks for it twice (whether it applies, and its key). None for a form
    shown again in another language, which is no attempt to sign (the limit per address still
    counts it)."""
    if "limit_key" not in g:
        switching = request.form.get("step") == SWITCH_LANGUAGE
        g.limit_key = None if switching else email_limit_key(
            request.view_args.get("slug"), posted_email(request.form.get("email", "")), request_client_key())
    return g.limit_key


def posted_email(posted):
    """The posted address as the form stores it (cleaned, then normalized), or None if the form
    would refuse it: spaces or invisible characters around an address make no new person."""
    address = clean_text(posted)
    if not address or len(address) > 254:
        return None
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def email_limit_key(slug, address, client):
    """One email address on one campaign, by the keyed digest of its normalized form (never the
    address itself), from one sender (`client_key`): others' posts never count against it, so its
    limit says nothing about whether that person signed. None without one (a call-in's steps, or a
    typo the form will point out)."""
    return f"{slug}:{email_key(address)}:{client}" if address else None


def count_action_outside_flask(app, environ, slug, address):
    """Count one post to a widget against the same limits, in the same counters, as the guarded
    view (a Flask-Limiter limit's bucket is its prefix, its key and the endpoint); True if every
    limit still allowed it. For the signatures answered before Flask (widget/petition/quick.py),
    with the address as `posted_email` gives it.

    Checked first and counted only if all pass, so a post over a limit goes on to Flask uncounted
    and Flask refuses it; one counted here is marked, and Flask does not count it again. Two posts
    at once may both pass the check.
    """
    client = client_key(environ)
    limiter = app.extensions[LIMITER]
    config = app.config
    buckets = [(config["RATE_LIMIT_PER_ADDRESS"], client)]
    email = email_limit_key(slug, address, client)
    if email is not None:
        buckets.append((config["RATE_LIMIT_PER_EMAIL"], email))
    hits = [(limit, (config["RATE_LIMIT_KEY_PREFIX"], key, ACTIONS))
            for text, key in buckets for limit in parsed_limits(text)]
    strategy = limiter.limiter
    if not all(strategy.test(limit, *bucket) for limit, bucket in hits):
        return False
    # Flask counts again only a post some limit refused here (two posts raced for the last one).
    environ[COUNTED] = all([strategy.hit(limit, *bucket) for limit, bucket in hits])
    return environ[COUNTED]


@cache
def parsed_limits(text):
    return tuple(parse_many(text))
