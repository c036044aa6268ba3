"""What is derived from the secret key (widget/security/keys.py): stable across releases, and each
app's own."""

import hashlib
import hmac
from types import SimpleNamespace

import pytest

from widget.call.reports import report_key
from widget.forms import email_key
from widget.security.form_token import FormTokenError
from widget.security.form_token import issue_form_token
from widget.security.form_token import read_form_token
from widget.security.privacy import ip_digest

ADDRESS = "Ana.Perez@example.org"
VISIT = SimpleNamespace(key="visit-1")


def keyed(purpose, secret, message):
    """A digest as every release so far has made it: the key for a purpose is the SHA-256 of
    `megafono.<purpose>:<secret>`."""
    key = hashlib.sha256(f"megafono.{purpose}:".encode() + secret.encode()).digest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def keys():
    return email_key(ADDRESS), ip_digest("203.0.113.7"), report_key(VISIT, "S000001")


def test_stored_digests_still_match(sqlite_app):
    """Email keys (one signature per person, and erasure), IP digests and call report keys are
    stored: the same secret must give the same digests in every release."""
    with sqlite_app.app_context():
        secret = sqlite_app.config["SECRET_KEY"]
        assert email_key(ADDRESS) == keyed("email-key", secret, ADDRESS.lower().encode())
        # Releases before 2026-12-07 case-folded, which is the same for every ASCII address.
        assert email_key(ADDRESS) == keyed("email-key", secret, ADDRESS.casefold().encode())
        assert ip_digest("203.0.113.7") == keyed("ip-digest", secret, b"203.0.113.7")[:16]
        assert report_key(VISIT, "S000001") == keyed("call-report", secret, b"visit-1:S000001")


def test_another_secret_gives_other_keys_and_refuses_the_first_ones_tokens(sqlite_app):
    """Keys are kept per secret: however many apps a process holds, none gets another's."""
    with sqlite_app.app_context():
        secret = sqlite_app.config["SECRET_KEY"]
        ours, token = keys(), issue_form_token("demo-petition")
        sqlite_app.config["SECRET_KEY"] = "another-secret-key"
        theirs = keys()
        assert all(mine != other for mine, other in zip(ours, theirs, strict=True))
        with pytest.raises(FormTokenError):
            read_form_token(token, "demo-petition")
        sqlite_app.config["SECRET_KEY"] = secret
        assert keys() == ours
        assert read_form_token(token, "demo-petition").nonce
