"""oEmbed (https://oembed.com): paste a campaign's link into a CMS and it embeds the widget."""

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from flask import abort
from flask import jsonify
from flask import request

from widget.campaigns import find_public_campaign
from widget.embedding.attribution import COLOR
from widget.embedding.attribution import SOURCE_CODE
from widget.embedding.snippets import INITIAL_HEIGHT
from widget.embedding.snippets import EmbedOptions
from widget.embedding.snippets import iframe_snippet
from widget.embedding.snippets import public_base_url
from widget.i18n import match_language

#: The addresses we embed: a campaign's action page or its widget.
EMBEDDABLE_PATH = re.compile(r"^/(?:c|embed)/([^/]+)/?$")
DEFAULT_WIDTH = 600
CACHE_SECONDS = 60 * 60


def first(query, name, pattern=None):
    value = query.get(name, [None])[0]
    return value if value and (pattern is None or pattern.fullmatch(value)) else None


def oembed():
    """The oEmbed answer for one of our campaign URLs: a "rich" type with the iframe HTML."""
    if request.args.get("format", "json") != "json":
        abort(501)  # the specification's answer for formats a provider does not offer
    try:
        address = urlsplit(request.args.get("url", "")[:2000])
    except ValueError:  # no address at all, such as an unclosed "[" around a host
        abort(404)
    ours = urlsplit(public_base_url())
    match = EMBEDDABLE_PATH.fullmatch(address.path)
    if address.netloc != ours.netloc or address.scheme not in ("http", "https") or not match:
        abort(404)
    campaign = find_public_campaign(match.group(1))
    if not campaign.settings["embedding"]["open_to_any_site"]:
        abort(401)  # the specification's answer for a resource others may not embed
    query = parse_qs(address.query)
    language = match_language(first(query, "lang"), campaign.languages) or campaign.default_language
    options = EmbedOptions(language, first(query, "source", SOURCE_CODE), first(query, "theme", COLOR))
    title = campaign.text(language)["title"]
    width = bounded(request.args.get("maxwidth"), DEFAULT_WIDTH)
    height = bounded(request.args.get("maxheight"), INITIAL_HEIGHT.get(campaign.kind, 1100))
    response = jsonify(
        version="1.0",
        type="rich",
        title=title,
        author_name=campaign.settings["organizer"],
        provider_name="Megáfono",
        provider_url=public_base_url(),
        cache_age=CACHE_SECONDS,
        width=width,
        height=height,
        html=str(iframe_snippet(campaign, options, title, height=height, max_width=width)),
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response


def bounded(requested, preferred):
    """The preferred size, or exactly the consumer's limit if that is smaller (a nonsense limit is ignored)."""
    try:
        limit = int(requested)
    except (TypeError, ValueError):
        return preferred
    return min(preferred, limit) if limit > 0 else preferred
