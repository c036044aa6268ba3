"""What every widget page shows around its form: header, language switch, counter, colours."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from flask import redirect
from flask import request
from flask import url_for

from widget.campaigns import current_goal
from widget.embedding.attribution import requested_theme
from widget.embedding.attribution import source_code
from widget.embedding.framing import vouched_partner
from widget.i18n import current_language
from widget.i18n import language_name
from widget.i18n import offered_languages
from widget.theme import theme_for


@dataclass(frozen=True)
class LanguageChoice:
    code: str
    name: str
    current: bool
    endpoint: str
    campaign: object

    @cached_property
    def url(self):
        """This page in this language; mid-way through a call-in the switch posts a form instead,
        and never asks."""
        return widget_url(self.endpoint, self.campaign, self.code)


def widget_url(endpoint, campaign, language, **params):
    """A URL inside the widget that keeps the supporter's language, source code and colours."""
    for name, value in (("source", source_code()), ("theme", requested_theme())):
        if value:
            params[name] = value
    return url_for(endpoint, slug=campaign.slug, lang=language, **params)


def redirect_to_thanks(context):
    """See-other to the thank-you state, so reloading it never posts the form again."""
    return redirect(widget_url("embedding.thanks", context["campaign"], context["language"]), code=303)


def language_choices(campaign):
    """The language switch: each language the campaign offers, linking to this same page in it."""
    here = current_language()
    endpoint = request.endpoint if request.method == "GET" else "embedding.embed"
    return [
        LanguageChoice(code, language_name(code), code == here, endpoint, campaign)
        for code in offered_languages()
    ]


class LanguageSwitch(Sequence):
    """The language switch's choices, worked out only if a page shows them (a redirect does not)."""

    def __init__(self, campaign):
        self.campaign = campaign

    @cached_property
    def choices(self):
        return language_choices(self.campaign)

    def __getitem__(self, index):
        return self.choices[index]

    def __len__(self):
        return len(self.choices)


def accent_color(campaign, partner, requested=None):
    """The widget's accent: the snippet's `data-theme`, else the partner's, else the campaign's."""
    if requested:
        return requested
    if partner is not None and partner.accent_color:
        return partner.accent_color
    return campaign.settings["accent_color"]


def widget_context(campaign, partner):
    """Template values every widget state needs."""
    language = current_language()
    count = campaign.action_count
    return {
        "campaign": campaign,
        "partner": partner,
        # Named on the opt-in only when it embeds from sites it registered (see framing).
        "vouched_partner": vouched_partner(partner),
        "text": campaign.text(language),
        "language": language,
        "languages": LanguageSwitch(campaign),
        "source": source_code(),
        "count": count,
        "goal": current_goal(count, campaign.settings["goal"]),
        "theme": theme_for(accent_color(campaign, partner, requested_theme())),
    }
