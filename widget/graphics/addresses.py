"""The addresses pages give a card: versioned, so they change exactly when the card does."""

from flask import url_for

from widget.embedding.attribution import source_code
from widget.embedding.partners import find_partner
from widget.graphics.cards import card_content


def graphic_source():
    """The source code a graphic's QR code carries: a registered partner's only.

    Any other code would make a new drawing per code, which anyone could use to fill the disk.
    """
    code = source_code()
    return code if code and find_partner(code) is not None else None


def graphic_url(campaign, language, card_format, source=None, external=False, content=None):
    """The card's address; pass its `content` when it is already at hand."""
    content = content or card_content(campaign, language, source)
    params = {"v": content.version(card_format)}
    if source:
        params["source"] = source
    return url_for("graphics.card", slug=campaign.slug, language=language, card_format=card_format,
                   _external=external, **params)
