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

#: Bump with any change to widget/graphics/render.py that changes the picture, so every card is
#: drawn again (its address changes with it, so caches let go of the old one).
RENDERER_VERSION = 3


@dataclass(frozen=True)
class Right:
    heading: str
    text: str


DEFAULT_RIGHTS = (
    (
        # NOTE: The first right on the Know Your Rights card: a short heading that makes sense on its
        # own (link previews show headings only), then one or two sentences. Where the card tells
        # people what to say, give the words in English too (in brackets): agents may speak only
        # English.
        _l("You have the right to remain silent."),
        _l("You do not have to say where you were born, what your immigration status is, or how you "
           "came to this country. Say: “I choose to remain silent.”"),
    ),
    (
        # NOTE: Immigration agents at the door of the supporter's home. A paper signed by an officer
        # (often titled "Warrant of Removal") is not a judge's warrant.
        _l("Do not open the door."),
        _l("You do not have to let agents in without a warrant signed by a judge. Ask them to slide it "
           "under the door. A paper signed by an immigration officer is not enough, even if it says "
           "“warrant”. If they force their way in, do not resist. Say: “I do not consent.”"),
    ),
    (
        _l("Do not sign anything before you talk to a lawyer."),
        _l("What you sign can be used to deport you. Say: “I want to speak to a lawyer.”"),
    ),
    (
        _l("Do not lie or show false papers."),
        _l("Stay silent instead. Lying, using false papers, or saying you are a US citizen when you are "
           "not can be a crime and can hurt your case for good."),
    ),
    (
        # NOTE: Agents stopping someone in the street.
        _l("Stay calm. Do not run."),
        _l("Running can be used as a reason to stop you. Ask: “Am I free to go?” If they say yes, "
           "walk away calmly."),
    ),
    (
        # NOTE: What to have on you. Lawful permanent residents and visa holders aged 18 or more must
        # carry proof of their status by law; people without papers should not carry foreign ones.
        _l("Carry your US papers and know a number by heart."),
        _l("Learn a lawyer's or a help line's number by heart. If you are 18 or older and have US "
           "immigration papers (green card, work permit, I-94), the law requires you to carry them. "
           "If you have none, do not carry papers from another country."),
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
    # NOTE: The usual name of the organizers' telephone help line, before its number on the card.
    default_label = _("Help line")
    # NOTE: The help line on the Know Your Rights card, e.g. "Help line: (202) 555-0100".
    return _("%(label)s: %(number)s", label=label or default_label, number=number)


def card_content(campaign, language, source=None):
    """The card for a campaign in a language; its QR code leads back with the source code."""
    settings = campaign.settings.get("know_your_rights") or {}
    with force_locale(language):
        defaults = [Right(str(heading), str(text)) for heading, text in DEFAULT_RIGHTS]
        own = campaign_rights(settings, language, campaign.default_language)
        rights = own if settings.get("replace_default_rights") else [*defaults, *own]
        hotline = help_line(settings, language, campaign.default_language)
        # NOTE: The title of the Know Your Rights card (drawn in capital letters on the picture),
        # and of the section that offers it.
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
        # Short enough to type, and still crediting the partner who shared it.
        link=f"{link.netloc}{link.path}" + (f"?source={source}" if source else ""),
        qr_url=address,
        accent=campaign.settings["accent_color"],
    )
