"""Keep what we must about a supporter's connection without keeping who they are."""

import hashlib
import hmac

from widget.security.keys import derived_key


def ip_digest(address):
    """A keyed, truncated digest of an IP address: enough to spot abuse, not to recover it."""
    if not address:
        return None
    return hmac.new(derived_key("ip-digest"), address.encode(), hashlib.sha256).hexdigest()[:16]
