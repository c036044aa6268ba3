"""The embed-code page: a partner picks language, code and colour, previews, and copies."""

from flask import render_template
from flask import request
from flask_babel import gettext as _

from widget.campaigns import find_public_campaign
from widget.embedding.attribution import COLOUR
from widget.embedding.attribution import SOURCE_CODE
from widget.embedding.partners import accent_colour
from widget.embedding.partners import find_partner
from widget.embedding.snippets import EmbedOptions
from widget.embedding.snippets import iframe_snippet
from widget.embedding.snippets import own_page_frame
from widget.embedding.snippets import script_snippet
from widget.embedding.views import blueprint
from widget.i18n import current_language
from widget.i18n import language_name
from widget.i18n import offered_languages
from widget.security.headers import allow_framing_by

SNIPPET_KINDS = ("script", "iframe")


@blueprint.get("/c/<slug>/embed")
def embed_code(slug):
    """Choose how the widget looks on your site, see it, and copy the code."""
    campaign = find_public_campaign(slug)
    page_language = current_language()
    chosen = request.args
    widget_language = chosen.get("widget_lang") if chosen.get("widget_lang") in campaign.languages else page_language
    source = chosen.get("source", "").strip()
    source_problem = None
    if source and not SOURCE_CODE.match(source):
        source_problem = _("Use only letters, digits, dots, dashes and underscores (at most 64).")
        source = ""
    partner = find_partner(source)
    default_colour = accent_colour(campaign, partner)
    colour = chosen.get("theme", "").lower()
    theme = colour if COLOUR.match(colour) and colour != default_colour.lower() else None
    kind = chosen.get("kind") if chosen.get("kind") in SNIPPET_KINDS else "script"

    options = EmbedOptions(language=widget_language, source=source or None, theme=theme)
    title = campaign.text(widget_language)["title"]
    if kind == "script":
        snippet = script_snippet(campaign, options, link_text=_("Take action: %(title)s", title=title))
    else:
        snippet = iframe_snippet(campaign, options, title)
    allow_framing_by([])  # the page itself is never framed; its preview frames our own widget
    return render_template(
        "embedding/code.html",
        campaign=campaign,
        text=campaign.text(page_language),
        languages=[(code, language_name(code)) for code in offered_languages()],
        widget_language=widget_language,
        source=source,
        source_problem=source_problem,
        partner=partner,
        colour=theme or default_colour,
        default_colour=default_colour,
        kind=kind,
        snippet=snippet,
        preview=own_page_frame(campaign, options, title),
    )
