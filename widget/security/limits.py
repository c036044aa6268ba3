"""Rate limits on what people send: per address, per email address on one campaign, and on the
organizers' sign-in.

Counters live in memory by default (each gunicorn worker keeps its own, so the real limit is a
few times looser) and in Redis when MEGAFONO_REDIS_URL is set, shared by every worker and server.
Limits are generous: many supporters can share one address (a mobile carrier's, a school's).
"""

import logging
import threading
from functools import cache

from email_validator import EmailNotValidError
from email_validator import validate_email
from flask import current_app
from flask import g
from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage

from widget.forms import SWITCH_LANGUAGE
from widget.forms import clean_text
from widget.forms import email_key

log = logging.getLogger(__name__)

#: The views each limit guards, by endpoint.
ACTIONS = "embedding.act"
SIGN_IN = "dashboard.sign_in"

#: Where the app keeps its limiter, for posts answered before Flask.
LIMITER = "megafono.limiter"

#: Set on a post already counted against the limits before Flask, which then does not count it
#: again (the post went on to Flask because it could not be taken there after all).
COUNTED = "megafono.limits_counted"


def init_app(app):
    """One limiter per app (Flask-Limiter keeps its state on the instance), wrapped around the views."""
    limiter = Limiter(
        get_remote_address, app=app, headers_enabled=True, strategy="moving-window",
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


def counted_before_flask():
    return request.environ.get(COUNTED, False)


def campaign_and_email():
    """One person on one campaign (see email_limit_key); worked out once per request: the limit
    asks for it twice (whether it applies, and its key). None for a form shown again in another
    language, which is no attempt to sign (the limit per address still counts it)."""
    if "limit_key" not in g:
        switching = request.form.get("step") == SWITCH_LANGUAGE
        g.limit_key = None if switching else email_limit_key(
            request.view_args.get("slug"), posted_email(request.form.get("email", "")))
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


def email_limit_key(slug, address):
    """One person on one campaign, by the keyed digest of their normalized address (never the
    address itself); None without one (a call-in's steps, or a typo the form will point out)."""
    return f"{slug}:{email_key(address)}" if address else None


def count_action_outside_flask(app, environ, slug, address):
    """Count one post to a widget against the same limits, in the same counters, as the guarded
    view (a Flask-Limiter limit's bucket is its prefix, its key and the endpoint); True if every
    limit still allowed it. For the signatures answered before Flask (widget/petition/quick.py),
    with the address as `posted_email` gives it.

    Checked first and counted only if all pass, so a post over a limit goes on to Flask uncounted
    and Flask refuses it; one counted here is marked, and Flask does not count it again. Two posts
    at once may both pass the check.
    """
    remote_address = environ.get("REMOTE_ADDR") or "127.0.0.1"  # as Flask-Limiter's get_remote_address
    limiter = app.extensions[LIMITER]
    config = app.config
    buckets = [(config["RATE_LIMIT_PER_ADDRESS"], remote_address)]
    email = email_limit_key(slug, address)
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
