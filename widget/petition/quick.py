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
  counters, not reached, and the campaign live and the campaign and partner unchanged since;
- the token, the signature and the count are written in one transaction, by the same function
  as the view's, and the kept answer is sent with a fresh style nonce.

Anything else (a mistake to show, a bot, a used token, a limit reached, a database that does
not answer, a campaign or partner changed) goes on to Flask with the body as it came, and Flask
answers it as it always has. Nothing is shared between workers.
"""

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from io import BytesIO
from time import monotonic
from typing import NamedTuple

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict
from wtforms.form import BaseForm

from widget.embedding.rendered import EMBED_PATH
from widget.embedding.rendered import STATE
from widget.embedding.rendered import STYLE_NONCE
from widget.extensions import db
from widget.forms import HONEYPOT_FIELD
from widget.forms import checked_form_token
from widget.petition.signatures import Outcome
from widget.petition.signatures import record_signature
from widget.petition.views import SIGNED_AS
from widget.petition.views import Signing
from widget.petition.views import version_of
from widget.security.form_token import FormToken
from widget.security.limits import count_action_outside_flask
from widget.security.limits import posted_email
from widget.security.privacy import ip_digest

#: Addresses kept per worker; the oldest unused go first.
KEPT_ADDRESSES = 256

#: The largest body taken here: a filled petition form is well under this; anything larger
#: (or of another kind) is Flask's to judge.
LARGEST_FORM = 4096

ENCODED_FORM = "application/x-www-form-urlencoded"


@dataclass
class Kept:
    slug: str
    partner_code: str | None
    signing: Signing
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    #: When the database last confirmed the campaign and partner (time.monotonic()).
    confirmed_at: float


class Checked(NamedTuple):
    form: BaseForm
    token: FormToken
    posted: MultiDict


class QuickSignatures:
    """WSGI middleware taking correct petition signatures at addresses Flask has taken one at."""

    def __init__(self, wsgi_app, app, size=KEPT_ADDRESSES):
        self.wsgi_app = wsgi_app
        self.app = app
        self.size = size
        self.kept = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        match = EMBED_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "POST" or match is None:
            return self.wsgi_app(environ, start_response)
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ["PATH_INFO"],
               environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        with self.lock:
            kept = self.kept.get(key)
            if kept is not None:
                self.kept.move_to_end(key)
        body = read_small_form(environ, self.app.config["MAX_CONTENT_LENGTH"]) if kept is not None else None
        if body is not None and self.signed(kept, environ, body):
            headers = [(name, STYLE_NONCE.sub(f"'nonce-{secrets.token_urlsafe(16)}'", value))
                       for name, value in kept.headers]
            start_response(kept.status, headers)
            return [kept.body]
        return self.learn(key, environ, start_response)

    def signed(self, kept, environ, body):
        """Take the signature as the view would; False, with nothing stored, if it would not."""
        with self.app.app_context():
            checked = checked_form(kept, environ, body)
            return checked is not None and self.allowed(kept, environ, checked) and self.stored(kept, environ, checked)

    def allowed(self, kept, environ, checked):
        """Counted against the view's rate limits, which all still allow it."""
        remote_address = environ.get("REMOTE_ADDR") or "127.0.0.1"  # as Flask-Limiter keys it
        form = checked.form
        # The form has cleaned and normalized the address, as the limit does.
        email = form["email"].data if "email" in form else posted_email(checked.posted.get("email", ""))
        try:
            return count_action_outside_flask(self.app, remote_address, kept.slug, email)
        except Exception:  # noqa: BLE001 - the limit storage's own errors (Redis down): Flask falls back
            return False

    def stored(self, kept, environ, checked):
        """Token, signature and count in one transaction, if the campaign is as the view found it.
        On a connection of its own: the session's bookkeeping would cost more than the writes."""
        try:
            with db.engine.connect() as connection:
                if self.still_current(kept, connection):
                    outcome = record_signature(
                        kept.signing.campaign.id, **kept.signing.recorded(checked.form), token=checked.token,
                        ip_digest=ip_digest(environ.get("REMOTE_ADDR")), connection=connection)
                    if outcome is Outcome.SIGNED:
                        connection.commit()
                        return True
                connection.rollback()
        except SQLAlchemyError:
            pass  # nothing was kept; Flask says what is wrong, in the supporter's language
        return False

    def still_current(self, kept, connection):
        """Whether the campaign and partner are as the view found them, asking the database once
        its last answer is PAGE_RECHECK_SECONDS old. Within that time a closed or withdrawn
        campaign still takes nothing: storing the signature checks that it is live."""
        if monotonic() - kept.confirmed_at < self.app.config["PAGE_RECHECK_SECONDS"]:
            return True
        state = connection.execute(STATE, {"slug": kept.slug, "partner": kept.partner_code}).one_or_none()
        if state is None or version_of(state[0], state[1], state[3]) != kept.signing.version:
            return False
        kept.confirmed_at = monotonic()
        return True

    def learn(self, key, environ, start_response):
        """Flask's answer, passed on; kept when the view says it took a signature, so the next
        signature at this address can be taken here."""
        answered = {}

        def capture(status, headers, exc_info=None):
            signing = environ.get(SIGNED_AS)
            if signing is not None and status.startswith("303") and keepable(headers):
                answered.update(status=status, headers=[(name, value) for name, value in headers
                                                        if not name.lower().startswith("x-ratelimit-")])
            return start_response(status, headers, exc_info)

        # What the view reads is at least this recent: the window counts from here.
        asked_at = monotonic()
        answer = self.wsgi_app(environ, capture)
        if not answered:
            return answer
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        signing = environ[SIGNED_AS]
        self.keep(key, Kept(signing.campaign.slug, signing.source, signing, answered["status"],
                            answered["headers"], body, asked_at))
        return [body]

    def keep(self, key, kept):
        with self.lock:
            self.kept[key] = kept
            self.kept.move_to_end(key)
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)


def checked_form(kept, environ, body):
    """The valid form and its good token, as the view's screening would find them; None if it
    would not pass (a bot, a token refused or too quick, a field to correct)."""
    posted = current_app.request_class({**environ, "wsgi.input": BytesIO(body)}).form
    if posted.get(HONEYPOT_FIELD):
        return None
    token, notice = checked_form_token(posted.get("token"), kept.slug)
    form = kept.signing.form(posted)
    if token is None or notice is not None or not form.validate():
        return None
    return Checked(form, token, posted)


def read_small_form(environ, largest_allowed):
    """The body of a small form posted by one of our own pages, put back for Flask to read
    again; None, with nothing read, for anything else (Flask refuses what is too large)."""
    content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type != ENCODED_FORM or environ.get("HTTP_SEC_FETCH_SITE") not in ("same-origin", "none"):
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
    """An answer the same for every signature at one address (once its rate-limit counts are
    left out): no cookie, and not compressed (the redirect is too small to be)."""
    names = {name.lower() for name, _ in headers}
    return not names & {"set-cookie", "content-encoding"}
