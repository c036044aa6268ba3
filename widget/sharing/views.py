"""The standalone action page `/c/<slug>` that links and social posts lead to."""

from flask import Blueprint
from flask import render_template
from flask import url_for

from widget.campaigns import find_public_campaign
from widget.embedding.attribution import source_code
from widget.embedding.snippets import EmbedOptions
from widget.embedding.snippets import action_page_address
from widget.embedding.snippets import public_base_url
from widget.graphics.addresses import graphic_source
from widget.graphics.addresses import graphic_url
from widget.i18n import current_language
from widget.i18n import offered_languages
from widget.sharing.links import share_links

#: og:locale wants a language and a region; the Americas' Spanish is es_LA in Facebook's list.
OPEN_GRAPH_LOCALES = {"es": "es_LA", "en": "en_US"}

blueprint = Blueprint("sharing", __name__, template_folder="templates")


@blueprint.get("/c/<slug>")
def action_page(slug):
    """A page of its own for a campaign: the widget, with the links other sites discover it by."""
    campaign = find_public_campaign(slug)
    language = current_language()
    options = EmbedOptions(language=language, source=source_code())
    page_address = action_page_address(campaign, options)
    return render_template(
        "sharing/action.html",
        og_image=public_base_url() + graphic_url(campaign, language, "og", graphic_source()),
        og_locale=OPEN_GRAPH_LOCALES.get(language, language),
        links=share_links(campaign, language, options.source),
        campaign=campaign,
        text=campaign.text(language),
        language=language,
        options=options,
        page_address=page_address,
        alternates={
            code: action_page_address(campaign, EmbedOptions(code, options.source)) for code in offered_languages()
        },
        oembed_address=f"{public_base_url()}{url_for('embedding.oembed', url=page_address, format='json')}",
    )
