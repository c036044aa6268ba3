"""Widget pages already rendered, answered before Flask.

An embed page is the same for everyone who asks for it in the same way (address, language
preference) while its campaign and partner stay as they were: only the form token and the style
nonce differ from one response to the next. So each worker keeps the pages it rendered and
answers a repeat with a fresh token and a fresh nonce. This is what keeps a widget nearly as
cheap as a bare Flask page when a partner's post goes viral.

Whether a kept page still shows the campaign as it is (its count, its status and text, the
partner's name and colour) is asked of the database in one small query, at most once per
PAGE_RECHECK_SECONDS (default 1) for each page: under load, a page's counter may be that much
behind, as if the supporter had loaded it a moment earlier; anything else changed shows within
that time, in every worker and on every server. Nothing is shared between workers. Any other
request (a post, the thank-you, an unknown campaign, a database that does not answer when asked)
goes on to Flask as before.
"""

import gzip
import re
import secrets
from dataclasses import dataclass
from time import monotonic

import brotli
from flask import request
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import parse_accept_header

from widget.campaigns.schema import SLUG_BODY
from widget.embedding.kept import KeptAnswers
from widget.embedding.kept import cut_at
from widget.embedding.kept import filled_in
from widget.embedding.kept import widget_address
from widget.extensions import db
from widget.security.form_token import ISSUED_TOKENS
from widget.security.form_token import issue_form_token
from widget.storage.models import Campaign
from widget.storage.models import Partner

EMBED_PATH = re.compile(rf"/embed/(?P<slug>{SLUG_BODY})")
STYLE_NONCE = re.compile(r"'nonce-(?P<nonce>[^']+)'")

#: Where the view leaves what a page was rendered from, for the middleware to keep it.
RENDERED_FROM = "megafono.rendered_from"

#: Pages kept per worker; the oldest unused go first. Distinct addresses are few in practice
#: (a campaign's languages, partners and colours); the bound keeps made-up ones from piling up.
KEPT_PAGES = 256

#: What a page depends on in the database, read in one query.
STATE = (
    select(Campaign.status, Campaign.revision, Campaign.action_count, Partner.revision)
    .select_from(Campaign)
    .outerjoin(Partner, Partner.code == bindparam("partner"))
    .where(Campaign.slug == bindparam("slug"))
)


def rendered_from(campaign, partner, code):
    """Mark this response as a page to keep: what it shows of the campaign and the partner (by
    the code asked for, which may name no partner yet)."""
    state = (campaign.status, campaign.revision, campaign.action_count,
             partner.revision if partner is not None else None)
    request.environ[RENDERED_FROM] = (campaign.slug, code, state)


@dataclass
class Page:
    slug: str
    partner_code: str | None
    state: tuple
    status: str
    headers: list[tuple[str, str]]
    #: The body cut where the form token and the style nonce go.
    pieces: list[bytes]
    holes: list[str]
    #: When the database last confirmed the state (time.monotonic()).
    confirmed_at: float


class RenderedPages:
    """WSGI middleware keeping the embed pages this worker rendered."""

    def __init__(self, wsgi_app, app, size=KEPT_PAGES):
        self.wsgi_app = wsgi_app
        self.app = app
        self.pages = KeptAnswers(size)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or not EMBED_PATH.fullmatch(environ.get("PATH_INFO", "")):
            return self.wsgi_app(environ, start_response)
        key = widget_address(environ)
        page = self.pages.get(key)
        answer = self.answer(page) if page is not None else None
        if answer is None:
            answer = self.render(key, environ)
        status, headers, body = answer
        return self.send(environ, start_response, status, headers, body)

    def answer(self, page):
        """The kept page with a new token and nonce, or None if anything it showed has changed."""
        with self.app.app_context():
            if not self.still_current(page):
                return None
            fresh = {"token": issue_form_token(page.slug), "nonce": secrets.token_urlsafe(16)}
        body = filled_in(page.pieces, page.holes, {hole: value.encode() for hole, value in fresh.items()})
        headers = [(name, value.replace("{nonce}", fresh["nonce"])) for name, value in page.headers]
        return page.status, headers, body

    def still_current(self, page):
        """Whether the page still shows its campaign and partner as they are, asking the database
        once its last answer is PAGE_RECHECK_SECONDS old."""
        asked_at = monotonic()
        if asked_at - page.confirmed_at < self.app.config["PAGE_RECHECK_SECONDS"]:
            return True
        try:
            with db.engine.connect() as connection:
                state = connection.execute(STATE, {"slug": page.slug, "partner": page.partner_code}).one_or_none()
        except SQLAlchemyError:
            return False  # Flask says what is wrong, in the supporter's language
        if state is None or tuple(state) != page.state:
            return False
        page.confirmed_at = asked_at
        return True

    def render(self, key, environ):
        """Flask's answer, uncompressed (it is compressed on the way out); kept if the view marked it."""
        answered = {}

        def capture(status, headers, exc_info=None):
            answered.update(status=status, headers=headers)

        # The state the view reads is at least this recent: the window counts from here.
        asked_at = monotonic()
        plain = {**environ, "HTTP_ACCEPT_ENCODING": "identity"}
        body = self.wsgi_app(plain, capture)
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        status = answered["status"]
        headers = [(name, value) for name, value in answered["headers"] if name.lower() != "content-length"]
        marked = plain.get(RENDERED_FROM)
        if marked is not None and status.startswith("200"):
            page = cut(marked, status, headers, content, plain.get(ISSUED_TOKENS, []), asked_at)
            if page is not None:
                self.pages.keep(key, page)
        return status, headers, content

    def send(self, environ, start_response, status, headers, body):
        """Compressed as Flask-Compress compresses the app's other pages, when the browser takes it
        (Flask-Compress has already said Vary: Accept-Encoding)."""
        config = self.app.config
        offered = [name for name in config["COMPRESS_ALGORITHM"] if name in COMPRESSORS]
        encoding = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING")).best_match(offered)
        if encoding is not None and len(body) >= config["COMPRESS_MIN_SIZE"]:
            body = COMPRESSORS[encoding](body, config)
            headers = [*headers, ("Content-Encoding", encoding)]
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]


COMPRESSORS = {
    "br": lambda body, config: brotli.compress(
        body, mode=config["COMPRESS_BR_MODE"], quality=config["COMPRESS_BR_LEVEL"],
        lgwin=config["COMPRESS_BR_WINDOW"], lgblock=config["COMPRESS_BR_BLOCK"]),
    "gzip": lambda body, config: gzip.compress(body, config["COMPRESS_LEVEL"]),
}

def cut(marked, status, headers, content, issued, asked_at):
    """A page to keep, cut around its form token and style nonce; None unless each is found just
    where expected (the one token the view issued, once; the policy's one nonce) and nothing else
    in it is per response (a cookie)."""
    if any(name.lower() == "set-cookie" for name, _ in headers):
        return None
    policy = next((value for name, value in headers if name.lower() == "content-security-policy"), "")
    nonces = set(STYLE_NONCE.findall(policy))
    if len(nonces) != 1 or len(issued) > 1 or any(content.count(token.encode()) != 1 for token in issued):
        return None
    nonce = nonces.pop()
    pieces, found = cut_at(content, {nonce.encode(): "nonce", **{token.encode(): "token" for token in issued}})
    headers = [(name, value.replace(nonce, "{nonce}")) for name, value in headers]
    slug, partner_code, state = marked
    return Page(slug, partner_code, state, status, headers, pieces, found, confirmed_at=asked_at)
