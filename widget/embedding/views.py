"""Embedding's URLs, all in one place: the widget, its loader, oEmbed and the embed-code page."""

from collections.abc import Callable
from typing import NamedTuple

from flask import Blueprint
from flask import abort

from widget.call import views as call
from widget.campaigns import find_public_campaign
from widget.embedding import code
from widget.embedding import loader
from widget.embedding import oembed
from widget.embedding.attribution import source_code
from widget.embedding.framing import framing_sources
from widget.embedding.partners import find_partner
from widget.embedding.rendered import rendered_from
from widget.petition import views as petition
from widget.security.headers import allow_framing_by
from widget.security.origin import post_comes_from_our_pages

blueprint = Blueprint("embedding", __name__, template_folder="templates")


class WidgetKind(NamedTuple):
    """How one kind of campaign is shown, acted on, and thanked."""

    show: Callable
    submit: Callable
    thank: Callable
    #: Whether its posts may act on the campaign as this worker read it a moment ago (see
    #: `find_public_campaign`): their writes check that it is still live. A signature's checks
    #: the revisions it was read at, which must then be the current ones.
    acts_on_recent_state: bool


WIDGET_KINDS = {
    "petition": WidgetKind(petition.show_petition, petition.submit_petition, petition.show_thanks,
                           acts_on_recent_state=False),
    "call": WidgetKind(call.show_call, call.submit_call, call.show_thanks, acts_on_recent_state=True),
}
ACTING_ON_RECENT_STATE = frozenset(name for name, kind in WIDGET_KINDS.items() if kind.acts_on_recent_state)


def framed_campaign(slug, recent_for=frozenset()):
    """The campaign and the partner the request came through, with framing allowed as they say."""
    campaign = find_public_campaign(slug, recent_for)
    if campaign.kind not in WIDGET_KINDS:
        abort(404)
    partner = find_partner(source_code())
    allow_framing_by(framing_sources(campaign, partner))
    return campaign, partner


@blueprint.get("/embed/<slug>")
def embed(slug):
    """Show a campaign's widget in the supporter's language."""
    campaign, partner = framed_campaign(slug)
    page = WIDGET_KINDS[campaign.kind].show(campaign, partner)
    rendered_from(campaign, partner, source_code())
    return page


@blueprint.post("/embed/<slug>")
def act(slug):
    """Take the action a supporter posted from the widget (a signature, a call's outcome)."""
    campaign, partner = framed_campaign(slug, recent_for=ACTING_ON_RECENT_STATE)
    if not post_comes_from_our_pages():
        abort(403)
    return WIDGET_KINDS[campaign.kind].submit(campaign, partner)


@blueprint.get("/embed/<slug>/thanks")
def thanks(slug):
    """The thank-you state, shown after an action."""
    campaign, partner = framed_campaign(slug)
    return WIDGET_KINDS[campaign.kind].thank(campaign, partner)


blueprint.add_url_rule("/widget.js", "loader", loader.loader)
blueprint.add_url_rule("/oembed", "oembed", oembed.oembed)
blueprint.add_url_rule("/c/<slug>/embed", "embed_code", code.embed_code)
