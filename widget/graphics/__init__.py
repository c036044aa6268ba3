"""Know Your Rights graphics: `/graphics/<slug>/<lang>/<format>.png`, drawn once per version."""

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import request
from flask import send_file
from flask import url_for

from widget.campaigns import find_public_campaign
from widget.embedding.attribution import source_code
from widget.embedding.partners import find_partner
from widget.graphics.cards import card_content
from widget.graphics.render import FORMATS
from widget.graphics.store import card_file
from widget.graphics.store import stored_card

blueprint = Blueprint("graphics", __name__)

ONE_YEAR = 365 * 24 * 60 * 60
#: Without a version in its address, a graphic may change: caches keep it only this long.
UNVERSIONED_MAX_AGE = 5 * 60


def graphic_source():
    """The source code a graphic's QR code carries: a registered partner's only.

    Any other code would make a new drawing per code, which anyone could use to fill the disk.
    """
    code = source_code()
    return code if code and find_partner(code) is not None else None


def graphic_url(campaign, language, card_format, source=None, external=False):
    """The address pages use for a card: versioned, so it changes exactly when the card does."""
    content = card_content(campaign, language, source)
    params = {"v": content.version(card_format)}
    if source:
        params["source"] = source
    return url_for("graphics.card", slug=campaign.slug, language=language, card_format=card_format,
                   _external=external, **params)


@blueprint.get("/graphics/<slug>/<language>/<card_format>.png")
def card(slug, language, card_format):
    """A campaign's Know Your Rights card in one language and format."""
    if card_format not in FORMATS:
        abort(404)
    version = request.args.get("v")
    source = source_code()
    # The fast path, as quick as a static file: this exact version was drawn before.
    ready = stored_card(slug, version, language, card_format, source)
    if ready is not None:
        return send_card(ready, version, immutable=True)
    campaign = find_public_campaign(slug)
    if language not in campaign.languages:
        abort(404)
    source = graphic_source()
    content = card_content(campaign, language, source)
    path, current = card_file(campaign.slug, content, card_format, source)
    if version and version != current:
        # An address from before the campaign changed: send the browser to the current card.
        return redirect(graphic_url(campaign, language, card_format, source), code=302)
    return send_card(path, current, immutable=bool(version))


def send_card(path, version, immutable):
    response = send_file(path, mimetype="image/png", etag=version, conditional=True)
    response.cache_control.no_cache = None
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR if immutable else UNVERSIONED_MAX_AGE
    if immutable:
        response.cache_control.immutable = True
    # Other sites may show it (link previews, partners' pages).
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
