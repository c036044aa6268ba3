"""The embed-code page: a partner picks language, code and color, previews, and copies."""

from dataclasses import dataclass

from flask import render_template
from flask import request
from flask_babel import gettext as _

from widget.campaigns import find_public_campaign
from widget.embedding.attribution import COLOR
from widget.embedding.attribution import SOURCE_CODE
from widget.embedding.framing import vouched_partner
from widget.embedding.page import accent_color
from widget.embedding.partners import find_partner
from widget.embedding.snippets import INITIAL_HEIGHT
from widget.embedding.snippets import EmbedOptions
from widget.embedding.snippets import iframe_snippet
from widget.embedding.snippets import own_page_frame
from widget.embedding.snippets import script_snippet
from widget.i18n import current_language
from widget.i18n import language_name
from widget.i18n import offered_languages

SNIPPET_KINDS = ("script", "iframe")


@dataclass(frozen=True)
class Choices:
    """What the partner chose on the page, checked; what they typed is kept to show back."""

    widget_language: str
    typed_source: str
    source: str | None
    custom_color: bool
    color: str
    kind: str


def read_choices(campaign, page_language):
    chosen = request.args
    typed = chosen.get("source", "").strip()[:200]
    source = typed if SOURCE_CODE.fullmatch(typed) else None
    partner = find_partner(source)
    color = chosen.get("theme", "")
    custom = bool(chosen.get("custom_color")) and bool(COLOR.fullmatch(color))
    return Choices(
        widget_language=chosen.get("widget_lang") if chosen.get("widget_lang") in campaign.languages else page_language,
        typed_source=typed,
        source=source,
        custom_color=custom,
        color=color if custom else accent_color(campaign, partner),
        kind=chosen.get("kind") if chosen.get("kind") in SNIPPET_KINDS else "script",
    ), partner


def embed_code(slug):
    """Choose how the widget looks on your site, see it, and copy the code."""
    campaign = find_public_campaign(slug)
    page_language = current_language()
    choices, partner = read_choices(campaign, page_language)
    options = EmbedOptions(choices.widget_language, choices.source, choices.color if choices.custom_color else None)
    title = campaign.text(choices.widget_language)["title"]
    if choices.kind == "script":
        # NOTE: The link partners' pages show where the widget cannot load; %(title)s is the campaign's.
        snippet = script_snippet(campaign, options, link_text=_("Take action: %(title)s", title=title))
    else:
        snippet = iframe_snippet(campaign, options, title)
    return render_template(
        "embedding/code.html",
        campaign=campaign,
        text=campaign.text(page_language),
        languages=[(code, language_name(code)) for code in offered_languages()],
        choices=choices,
        source_problem=bool(choices.typed_source) and choices.source is None,
        partner=partner,
        vouched=vouched_partner(partner),
        snippet=snippet,
        snippet_rows=str(snippet).count("\n") + 4,
        plain_height=INITIAL_HEIGHT[campaign.kind],
        preview=own_page_frame(campaign, options, title),
        page_links=[(code, language_name(code)) for code in offered_languages()],
    )
