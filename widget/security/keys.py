"""What is derived from the app's secret key: one key per purpose, and the signed tokens' serializers.

Each is made once per secret key and kept rather than made again for every request (a few
microseconds a signature; docs/performance.md). Kept by the secret itself, so an app with
another key (a test's, say) gets its own.
"""

import hashlib
from functools import lru_cache

from flask import current_app
from itsdangerous import URLSafeTimedSerializer


def derived_key(purpose):
    """A key for one purpose (`email-key`, `ip-digest`, `call-report`): what one purpose's
    digests are made with tells nothing about another's."""
    return _derived_key(purpose, current_app.config["SECRET_KEY"])


def timed_serializer(salt):
    """The URL-safe, time-stamped serializer for one kind of signed token."""
    return _timed_serializer(salt, current_app.config["SECRET_KEY"])


@lru_cache(maxsize=32)
def _derived_key(purpose, secret):
    # The digests stored so far (email keys, above all) were made with exactly these bytes.
    return hashlib.sha256(b"megafono." + purpose.encode() + b":" + secret.encode()).digest()


@lru_cache(maxsize=32)
def _timed_serializer(salt, secret):
    return URLSafeTimedSerializer(secret, salt=salt)
