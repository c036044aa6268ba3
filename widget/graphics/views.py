"""Serving a card: `/graphics/<slug>/<lang>/<format>.png`, as fast as a static file once drawn."""

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import redirect
from flask import request

from widget.campaigns import SLUG
from widget.campaigns import find_public_campaign
from widget.graphics.addresses import graphic_source
from widget.graphics.addresses import graphic_url
from widget.graphics.cards import card_content
from widget.graphics.render import FORMATS
from widget.graphics.store import stored_card
from widget.i18n import offered_languages

blueprint = Blueprint("graphics", __name__)

ONE_YEAR = 365 * 24 * 60 * 60
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"
#: Without a version in its address, a graphic may change: caches keep it only a few minutes.
UNVERSIONED = f"public, max-age={5 * 60}"


@blueprint.get("/graphics/<slug>/<language>/<card_format>.png")
def card(slug, language, card_format):
    """A campaign's Know Your Rights card in one language and format."""
    if card_format not in FORMATS or language not in current_app.config["LANGUAGES"] or not SLUG.fullmatch(slug):
        abort(404)
    # A version already drawn was answered before Flask (widget.graphics.fast); this one is new,
    # unversioned, out of date, or the middleware is not in front.
    version = request.args.get("v")
    campaign = find_public_campaign(slug)
    if language not in offered_languages():
        abort(404)
    source = graphic_source()
    content = card_content(campaign, language, source)
    png, current = stored_card(campaign.slug, content, card_format, source)
    if version and version != current:
        # An address from before the campaign changed: send the browser to the current card.
        return redirect(graphic_url(campaign, language, card_format, source, content=content), code=302)
    return send_card(png, current, immutable=bool(version))


def send_card(png, version, immutable):
    """The PNG as a response, with its version as a strong ETag (304 when the browser has it).

    A card is a few tens of kilobytes, sent as bytes: a fraction of `send_file`'s work per request.
    A versioned address never changes, so caches may keep it a year; an unversioned one only a few
    minutes.
    """
    headers = card_headers(version, immutable)
    if request.if_none_match.contains(version):
        return Response(status=304, headers=headers)
    return Response(png, mimetype="image/png", headers=headers)


def card_headers(version, immutable):
    """A card's own headers, the same from this view and from widget.graphics.fast."""
    return [
        ("ETag", f'"{version}"'),
        ("Cache-Control", IMMUTABLE if immutable else UNVERSIONED),
        # Other sites may show it (link previews, partners' pages).
        ("Cross-Origin-Resource-Policy", "cross-origin"),
    ]
