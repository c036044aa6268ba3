"""Campaigns: their files (schema, loading, Markdown) and how views find a public one."""

import re

from flask import abort
from flask import g
from sqlalchemy import select

from widget.campaigns.schema import SLUG_PATTERN
from widget.extensions import db
from widget.storage.models import Campaign

SLUG = re.compile(SLUG_PATTERN)


#: Supporters see live campaigns, and closed ones (which say they are closed); never drafts.
PUBLIC_STATUSES = ("live", "closed")


def public_slugs():
    """The slugs of every campaign supporters may see."""
    return set(db.session.scalars(select(Campaign.slug).where(Campaign.status.in_(PUBLIC_STATUSES))))


def find_public_campaign(slug):
    """The campaign supporters may see under this slug (live or closed), or a 404.

    It is kept on `g` so the language chosen for the response can depend on the campaign.
    """
    if not SLUG.match(slug):
        abort(404)
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.slug == slug, Campaign.status.in_(PUBLIC_STATUSES))
    )
    if campaign is None:
        abort(404)
    g.campaign = campaign
    return campaign


def current_goal(count, goal):
    """The goal to show: the organizer's, stepped up to the next round number each time it is met.

    Steps go 1, 2, 5, 10, 20, 50, ... times a power of ten, so a goal of 1,000 becomes 2,000, then
    5,000, then 10,000 as supporters keep coming.
    """
    while count >= goal:
        goal = next_round_number(goal)
    return goal


def next_round_number(number):
    """The smallest of 1, 2, 5 times a power of ten that is larger than the number."""
    power = 1
    while power * 10 <= number:
        power *= 10
    for multiple in (2, 5, 10):
        if power * multiple > number:
            return power * multiple
    return power * 10
