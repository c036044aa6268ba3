"""The privacy promise beside the petition's button, written from what the campaign delivers."""

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_pgettext

# Each item carries its own possessive, so languages that inflect it ("su", "sus") can.
DELIVERED_ITEMS = {
    # NOTE: An item of the privacy promise, e.g. "What the President receives: only your name and
    # your city." It means the whole name, first and last.
    "name": lazy_pgettext("privacy promise", "your name"),
    # NOTE: An item of the privacy promise, used when only the first name is delivered.
    "given_name": lazy_pgettext("privacy promise", "your first name"),
    # NOTE: An item of the privacy promise, used when only the last name is delivered.
    "family_name": lazy_pgettext("privacy promise", "your last name"),
    # NOTE: An item of the privacy promise: "... only your name and your city."
    "city": lazy_pgettext("privacy promise", "your city"),
    # NOTE: An item of the privacy promise: "... only your name and your ZIP code."
    "postal_code": lazy_pgettext("privacy promise", "your ZIP or postal code"),
    # NOTE: An item of the privacy promise: "... only your name and your country."
    "country": lazy_pgettext("privacy promise", "your country"),
    # NOTE: An item of the privacy promise: "... only your name and your email address."
    "email": lazy_pgettext("privacy promise", "your email address"),
}


def delivered_items(delivered_fields):
    """The delivered fields as the promise names them: first and last name together are "your name"."""
    fields = list(delivered_fields)
    if "given_name" in fields and "family_name" in fields:
        fields[fields.index("given_name")] = "name"
        fields.remove("family_name")
    return [str(DELIVERED_ITEMS[name]) for name in fields]


def privacy_promise(campaign, text):
    """Sentences that say exactly what the target receives, and what stays with the organizer."""
    items = delivered_items(campaign.settings["delivered_fields"])
    sentences = []
    if not items:
        sentences.append(_("We deliver only the number of signatures, never your details."))
    else:
        fields = format_list(items, locale=get_locale())
        if text.get("target"):
            sentences.append(_("What %(target)s receives: only %(fields)s.", target=text["target"], fields=fields))
        else:
            sentences.append(_("What we deliver: only %(fields)s.", fields=fields))
    if "email" in campaign.settings["fields"]["shown"] and "email" not in campaign.settings["delivered_fields"]:
        sentences.append(_("Your email address is never delivered with your signature or published."))
    if text.get("privacy_note"):
        sentences.append(text["privacy_note"])
    return sentences
