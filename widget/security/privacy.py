"""Keep what we must about a supporter's connection without keeping who they are."""

import hashlib
import hmac

from flask import current_app


def ip_digest(address):
    """A keyed, truncated digest of an IP address: enough to spot abuse, not to recover it."""
    if not address:
        return None
    key = hashlib.sha256(b"megafono.ip-digest:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:16]
