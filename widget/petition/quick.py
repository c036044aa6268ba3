"""Petition signatures taken before Flask, when Flask would only have stored them and redirected.

A viral petition is mostly people sending a correct form. Flask's whole request (its hooks,
the limiter's bookkeeping, reading the campaign, the page's colours and languages) costs many
times the signature itself; this takes it in a fraction of that, with the same pieces:

- it learns from Flask: once the view has taken a signature at an address (campaign, language,
  source code, colours, as the address and the browser's language preference say), each worker
  keeps how it did so (`Signing`) and the answer it gave (a See Other to the thank-you);
- a later post to that address is taken here only if everything is as Flask would find it: a
  small form sent by one of our own pages, the honeypot empty, the token good and not too quick,
  the same form (WTForms, the very fields Flask builds) valid, the same rate limits, in the same
  counters, not reached, and the campaign live and the campaign and partner unchanged since
  (checked with every signature, by the statement that counts it);
- the token, the signature and the count are written in one transaction, by the same function
  as the view's, and the kept answer is sent.

Anything else (a mistake to show, a bot, a used token, a limit reached, a campaign or partner
changed) goes on to Flask with the body as it came, and Flask answers it as it always has. A post
counted against the limits here is not counted again there; a database that did not answer here
gets Flask's 503 at once, without a second wait. Nothing is shared between workers.
"""

import logging
from dataclasses import dataclass
from functools import cached_property
from io import BytesIO
from time import monotonic

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from widget.embedding.kept import KeptAnswers
from widget.embedding.kept import widget_address
from widget.embedding.rendered import EMBED_PATH
from widget.embedding.rendered import STYLE_NONCE
from widget.errors import outage_found
from widget.forms import screen
from widget.petition.signatures import Outcome
from widget.petition.signatures import record_signature
from widget.petition.views import SIGNED_AS
from widget.petition.views import Signing
from widget.security.limits import count_action_outside_flask
from widget.security.limits import posted_email
from widget.security.origin import OUR_PAGES
from widget.security.privacy import ip_digest
from widget.storage.driver import own_connection

log = logging.getLogger(__name__)

#: Addresses kept per worker; the oldest unused go first.
KEPT_ADDRESSES = 256

#: The largest body taken here: a filled petition form is well under this; anything larger
#: (or of another kind) is Flask's to judge.
LARGEST_FORM = 4096

ENCODED_FORM = "application/x-www-form-urlencoded"

@dataclass(frozen=True)
class Kept:
    signing: Signing
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    #: When the view read the campaign (time.monotonic()): of two learned at once, the later stays.
    confirmed_at: float


class QuickSignatures:
    """WSGI middleware taking correct petition signatures at addresses Flask has taken one at."""

    def __init__(self, wsgi_app, app, size=KEPT_ADDRESSES):
        self.wsgi_app = wsgi_app
        self.app = app
        self.kept = KeptAnswers(size)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or not EMBED_PATH.fullmatch(environ.get("PATH_INFO", "")):
            return self.wsgi_app(environ, start_response)
        address = widget_address(environ)
        kept = self.kept.get(address)
        if kept is not None and self.taken(kept, environ):
            start_response(kept.status, kept.headers)
            return [kept.body]
        return self.learn(address, environ, start_response)

    def taken(self, kept, environ):
        """Whether the signature was taken here; if not, nothing was stored and Flask answers."""
        try:
            body = read_small_form(environ, self.app.config["MAX_CONTENT_LENGTH"])
            if body is None:
                return False
            with self.app.app_context():
                return self.signed(kept, environ, body)
        except Exception:  # noqa: BLE001 - whatever went wrong here, Flask still answers the supporter
            log.exception("a signature could not be taken before Flask; Flask answers it")
            return False

    def signed(self, kept, environ, body):
        """Take the signature as the view would; False, with nothing stored, if it would not."""
        signing = kept.signing
        slug = signing.campaign.slug
        _, posted, _ = self.form_parser.parse(BytesIO(body), ENCODED_FORM, len(body))
        if "step" in posted:
            return False  # a petition's form posts no step but to change language, which Flask shows
        form = signing.checked_form(posted)
        screening = screen(posted, form, slug)
        if not screening.passed:
            return False
        # The form has cleaned and normalized the address, as the limit does.
        email = form["email"].data if "email" in form else posted_email(posted.get("email", ""))
        if not count_action_outside_flask(self.app, environ, slug, email):
            return False
        try:
            with own_connection() as connection:
                outcome = record_signature(
                    signing.campaign.id, **signing.recorded(form), token=screening.token,
                    ip_digest=ip_digest(environ.get("REMOTE_ADDR")), connection=connection,
                    unchanged_since=signing.unchanged_since())
                if outcome is Outcome.SIGNED:
                    connection.commit()
                    return True
                connection.rollback()
        except SQLAlchemyError as error:
            if getattr(error, "connection_invalidated", False):
                return False  # a kept connection gone stale: Flask takes it, on its pool, which reconnects
            if not outage_found(error, environ):
                raise
        return False

    @cached_property
    def form_parser(self):
        """The parser Flask's `request.form` uses, made as Flask makes it (in an app context).
        Its size limits are for multipart bodies: this one's size was checked on reading."""
        return current_app.request_class({}).make_form_data_parser()

    def learn(self, address, environ, start_response):
        """Flask's answer, passed on; kept when the view says it took a signature, so the next
        signature at this address can be taken here."""
        answered = {}

        def capture(status, headers, exc_info=None):
            if environ.get(SIGNED_AS) is not None and status.startswith("303") and keepable(headers):
                answered.update(status=status, headers=list(headers))
            return start_response(status, headers, exc_info)

        # What the view reads is at least this recent.
        asked_at = monotonic()
        answer = self.wsgi_app(environ, capture)
        if not answered:
            return answer
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        self.kept.keep(address, Kept(environ[SIGNED_AS], answered["status"], answered["headers"], body, asked_at))
        return [body]


def read_small_form(environ, largest_allowed):
    """The body of a small form posted by one of our own pages, put back for Flask to read
    again; None, with nothing read, for anything else (Flask refuses what is too large)."""
    content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type != ENCODED_FORM or environ.get("HTTP_SEC_FETCH_SITE") not in OUR_PAGES:
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= min(LARGEST_FORM, largest_allowed or LARGEST_FORM) or environ.get("HTTP_TRANSFER_ENCODING"):
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = BytesIO(body)
    return body if len(body) == length else None


def keepable(headers):
    """An answer the same for every signature at one address (the limiter sends no per-request
    counts: widget/security/limits.py): no cookie, not compressed (the redirect is too small to
    be), and no nonce in its policy (the redirect has no styles), which would be given out again."""
    if any(name.lower() in ("set-cookie", "content-encoding") for name, _ in headers):
        return False
    return not any(STYLE_NONCE.search(value) for name, value in headers if name.lower() == "content-security-policy")
