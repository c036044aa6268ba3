"""The widget's form token: signed, time-stamped, bound to one campaign, good for one submission.

It replaces Flask-WTF's session-backed CSRF token, which cannot work in an iframe on a partner's
site where the browser blocks third-party cookies. Nothing is kept on the server until the token
is spent; its time stamp also tells how fast the form was filled in.
"""

import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask import current_app
from flask import has_request_context
from flask import request
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from sqlalchemy import bindparam
from sqlalchemy import delete

from widget.extensions import db
from widget.security.keys import timed_serializer
from widget.storage.counting import IS_LIVE
from widget.storage.database import in_transaction
from widget.storage.database import insert_ignoring_conflict
from widget.storage.driver import run
from widget.storage.models import SpentFormToken
from widget.storage.models import utcnow

SALT = "megafono.form-token.v1"

#: Where the tokens issued while answering a request are listed (see widget/embedding/rendered.py).
ISSUED_TOKENS = "megafono.form_tokens"

#: About one spend in this many also clears out expired spent tokens, so the table stays small
#: without a scheduled job.
PURGE_ONE_IN = 200


class FormTokenError(Exception):
    """The token is missing, forged, for another campaign, or too old."""


@dataclass(frozen=True)
class FormToken:
    nonce: str
    #: Whole seconds (itsdangerous' time stamp): when the token expires.
    issued_at: datetime
    #: Fractions of a second: how long the form took to fill in.
    issued_at_precise: float

    @property
    def age(self):
        return timedelta(seconds=time.time() - self.issued_at_precise)

    @property
    def expires_at(self):
        return self.issued_at + timedelta(seconds=current_app.config["FORM_TOKEN_MAX_AGE"])


def issue_form_token(campaign_slug, shown_at=None):
    """A fresh token for one form on one campaign.

    `shown_at` carries over when the form was first shown, when it comes back with an error to
    correct: the supporter has been at it all along, and must not be told they were too quick.
    """
    started = shown_at if shown_at is not None else round(time.time(), 3)
    token = timed_serializer(SALT).dumps({"c": campaign_slug, "n": secrets.token_urlsafe(16), "t": started})
    if has_request_context():
        # A page that keeps its rendered copy must know exactly which token to replace.
        request.environ.setdefault(ISSUED_TOKENS, []).append(token)
    return token


def read_form_token(token, campaign_slug):
    """Check a posted token; raise FormTokenError unless it is ours, for this campaign, and current."""
    if not token or len(token) > 200:
        raise FormTokenError("missing")
    try:
        payload, issued_at = timed_serializer(SALT).loads(
            token, max_age=current_app.config["FORM_TOKEN_MAX_AGE"], return_timestamp=True
        )
    except SignatureExpired as error:
        raise FormTokenError("expired") from error
    except BadSignature as error:
        raise FormTokenError("invalid") from error
    if not isinstance(payload, dict) or payload.get("c") != campaign_slug:
        raise FormTokenError("other campaign")
    nonce, issued_precisely = payload.get("n"), payload.get("t")
    if not isinstance(nonce, str) or not 8 <= len(nonce) <= 32 or not isinstance(issued_precisely, float | int):
        raise FormTokenError("invalid")
    return FormToken(nonce=nonce, issued_at=issued_at, issued_at_precise=float(issued_precisely))


def spend_form_token(token, connection=None, live_campaign=None):
    """Mark a token used, inside the caller's transaction; False if it had been used already.
    With `live_campaign` (a campaign's id), also False if that campaign is not live, checked in
    the same statement: nothing is spent then."""
    connection = in_transaction(connection)
    forget_expired_tokens_now_and_then(connection)
    condition = {} if live_campaign is None else {"only_if": IS_LIVE, "counted_campaign": live_campaign}
    return insert_ignoring_conflict(SpentFormToken, connection, nonce=token.nonce, expires_at=token.expires_at,
                                    **condition)


#: Spent tokens expired by `now`.
FORGET_EXPIRED = delete(SpentFormToken).where(SpentFormToken.expires_at < bindparam("now"))


def forget_expired_tokens_now_and_then(connection):
    """With every token spent, a small chance of clearing out the expired ones."""
    if random.randrange(PURGE_ONE_IN) == 0:  # a chance, not a secret: no system call needed
        run(connection, FORGET_EXPIRED, {"now": utcnow()})


def forget_expired_tokens():
    """Drop spent tokens that have expired: they would be refused as too old anyway."""
    result = db.session.execute(FORGET_EXPIRED, {"now": utcnow()})
    db.session.commit()
    return result.rowcount
