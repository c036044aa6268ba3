"""The delivery list: what the petition's target receives, and nothing more than was promised.

Only the fields the campaign lists in `delivered_fields` (by default first and last name and
city), in the campaign's language, as CSV or as a page to print. Never an email address unless a
campaign promised to deliver one.
"""

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select

from widget.extensions import db
from widget.forms import SUPPORTER_FIELDS
from widget.organizers.days import today
from widget.organizers.exports import csv_chunks
from widget.storage.models import Signature


class DeliveryError(ValueError):
    """This campaign has no delivery list (a call-in), or the language asked for is not one of its own."""


def delivered_fields(campaign):
    return [name for name in campaign.settings.get("delivered_fields", []) if name in SUPPORTER_FIELDS]


def delivery_language(campaign, language=None):
    if campaign.kind != "petition":
        raise DeliveryError(f"{campaign.slug} is a call-in: calls reach their targets directly")
    language = language or campaign.default_language
    if language not in campaign.languages:
        raise DeliveryError(f"{campaign.slug} has no {language!r} text; use one of {', '.join(campaign.languages)}")
    return language


def delivery_rows(campaign):
    """Each signer's delivered fields, oldest first, skipping people whose details have expired."""
    fields = delivered_fields(campaign)
    query = (
        select(*(getattr(Signature, name) for name in fields))
        .where(Signature.campaign_id == campaign.id, Signature.email_key.is_not(None))
        .order_by(Signature.created_at, Signature.id)
        .execution_options(yield_per=1000)
    )
    for row in db.session.execute(query):
        yield ["" if value is None else value for value in row]


def delivery_csv(campaign, language=None):
    """The delivery list as CSV, in pieces, headed in the campaign's language."""
    language = delivery_language(campaign, language)
    with force_locale(language):
        headings = [str(SUPPORTER_FIELDS[name].label) for name in delivered_fields(campaign)]
    return csv_chunks(headings, delivery_rows(campaign))


def render_delivery_page(campaign, language=None):
    """A page to print and hand over: the petition, how many signed, and who."""
    language = delivery_language(campaign, language)
    with force_locale(language):
        return render_template(
            "organizers/delivery.html",
            campaign=campaign,
            language=language,
            text=campaign.text(language),
            headings=[SUPPORTER_FIELDS[name].label for name in delivered_fields(campaign)],
            rows=list(delivery_rows(campaign)),
            # The day it was made: a list handed over on paper is read long after.
            made_on=today(),
        )
