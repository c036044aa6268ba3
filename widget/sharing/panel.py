"""What the thank-you state offers: the supporter's Know Your Rights card and ways to share."""

import re

from widget.embedding.attribution import source_code
from widget.graphics.addresses import graphic_source
from widget.graphics.addresses import graphic_url
from widget.graphics.cards import card_content
from widget.phones import e164
from widget.sharing.links import share_links
from widget.sharing.links import share_message


def file_name(title):
    """A download name from the card's title: "conozca-sus-derechos.png"."""
    return re.sub(r"[^\w]+", "-", title.lower()).strip("-") + ".png"


def share_panel(campaign, language):
    source, card_source = source_code(), graphic_source()
    card = card_content(campaign, language, card_source)
    words, address = share_message(campaign, language, source)
    return {
        "card": card,
        "hotline_tel": e164((campaign.settings.get("know_your_rights") or {}).get("hotline") or ""),
        "card_url": graphic_url(campaign, language, "square", card_source, content=card),
        "story_url": graphic_url(campaign, language, "story", card_source, content=card),
        "file_name": file_name(card.title),
        "share_words": words,
        "share_address": address,
        "links": share_links(campaign, language, source),
    }
