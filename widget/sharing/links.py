"""Share links: the campaign's own page, with the source code, on each network, as plain links.

No network's script is loaded anywhere: each link opens that network's own share page.
"""

from dataclasses import dataclass
from urllib.parse import quote

from flask_babel import gettext as _

from widget.embedding.snippets import EmbedOptions
from widget.embedding.snippets import action_page_address


@dataclass(frozen=True)
class ShareLink:
    network: str
    label: str
    url: str


def share_message(campaign, language, source):
    """(text, address) to share: the campaign's share text (or title) and its page with the code."""
    text = campaign.text(language)
    address = action_page_address(campaign, EmbedOptions(language=language, source=source))
    return text.get("share_text") or text["title"], address


def share_links(campaign, language, source):
    words, address = share_message(campaign, language, source)
    title = campaign.text(language)["title"]
    both = f"{words} {address}"
    return [
        ShareLink("whatsapp", "WhatsApp", f"https://wa.me/?text={quote(both)}"),
        ShareLink("facebook", "Facebook", f"https://www.facebook.com/sharer/sharer.php?u={quote(address)}"),
        ShareLink("x", "X", f"https://x.com/intent/post?text={quote(words)}&url={quote(address)}"),
        ShareLink("telegram", "Telegram", f"https://t.me/share/url?url={quote(address)}&text={quote(words)}"),
        # NOTE: A share button that opens the supporter's email program.
        ShareLink("email", _("Email"), f"mailto:?subject={quote(title)}&body={quote(both)}"),
    ]
