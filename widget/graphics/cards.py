"""What a Know Your Rights card says: the default rights, a campaign's own, and its footer.

The default rights are interface text, so translators translate them with everything else and a
new language gets them too. They are general information for people in the United States facing
immigration agents, and the card says it is not legal advice.
"""

import hashlib
import json
from dataclasses import asdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from widget.embedding.snippets import EmbedOptions
from widget.embedding.snippets import action_page_address
from widget.phones import e164
from widget.phones import readable

#: Bump when the drawing changes, so every graphic is drawn again (its URL changes with it).
RENDERER_VERSION = 1


@dataclass(frozen=True)
class Right:
    heading: str
    text: str


DEFAULT_RIGHTS = (
    (
        # NOTE: The first right on the Know Your Rights card: a short heading, then one or two sentences.
        _l("You have the right to remain silent."),
        _l("You do not have to say where you were born, what your immigration status is, or how you "
           "came to this country. You can say: “I choose to remain silent.”"),
    ),
    (
        # NOTE: The second right: immigration agents at the door of the supporter's home.
        _l("Keep the door closed."),
        _l("Agents may come in only with a warrant signed by a judge. Ask them to slide it under the "
           "door or show it at a window. A form signed by an immigration officer is not enough."),
    ),
    (
        _l("Do not sign anything without a lawyer."),
        _l("What you sign can be used to deport you. Ask to speak with a lawyer first."),
    ),
    (
        _l("Do not lie or show false documents."),
        _l("Stay silent instead. A lie or a false document can hurt your case."),
    ),
    (
        # NOTE: The fifth right: what to have on you when you go out.
        _l("Carry what you need."),
        _l("Keep a lawyer's or a help line's number with you. If you have valid immigration papers, "
           "carry them. Do not carry papers from another country."),
    ),
)


@dataclass(frozen=True)
class CardContent:
    """Everything drawn on one card, already in its language."""

    language: str
    title: str
    rights: tuple
    hotline: str
    disclaimer: str
    link: str
    qr_url: str
    accent: str

    def version(self, card_format):
        """A short hash of what the card shows: the graphic's URL and ETag change when it does."""
        canonical = json.dumps([RENDERER_VERSION, card_format, asdict(self)], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def campaign_rights(settings, language, default_language):
    """The campaign's own rights in a language (each falling back to the default language)."""
    rights = []
    for entry in settings.get("rights", []):
        text = entry.get(language) or entry[default_language]
        rights.append(Right(text["heading"], text.get("text", "")))
    return rights


def help_line(settings, language, default_language):
    """ "Help line: (202) 555-0100", with a no-break space so the number stays on one line."""
    if not settings.get("hotline"):
        return ""
    label = settings.get("hotline_label") or ""
    if isinstance(label, dict):
        label = label.get(language) or label.get(default_language) or ""
    number = readable(e164(settings["hotline"])).replace(" ", "\u00a0")
    # NOTE: The help line on the Know Your Rights card, e.g. "Help line: (202) 555-0100".
    return _("%(label)s: %(number)s", label=label or _("Help line"), number=number)


def card_content(campaign, language, source=None):
    """The card for a campaign in a language; its QR code leads back with the source code."""
    settings = campaign.settings.get("know_your_rights") or {}
    with force_locale(language):
        defaults = [Right(str(heading), str(text)) for heading, text in DEFAULT_RIGHTS]
        own = campaign_rights(settings, language, campaign.default_language)
        rights = own if settings.get("replace_default_rights") else [*defaults, *own]
        hotline = help_line(settings, language, campaign.default_language)
        title = _("Know your rights")
        disclaimer = _("This is general information, not legal advice.")
    address = action_page_address(campaign, EmbedOptions(language=language, source=source))
    link = urlsplit(address)
    return CardContent(
        language=language,
        title=title,
        rights=tuple(rights),
        hotline=hotline,
        disclaimer=disclaimer,
        link=f"{link.netloc}{link.path}",
        qr_url=address,
        accent=campaign.settings["accent_color"],
    )
