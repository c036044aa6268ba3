"""Campaigns: their files (schema, loading, Markdown) and how views find a public one."""

import re
from time import monotonic

from flask import abort
from flask import current_app
from flask import g
from sqlalchemy import bindparam
from sqlalchemy import select

from widget.campaigns.schema import SLUG_PATTERN
from widget.extensions import db
from widget.storage.driver import read_one
from widget.storage.models import Campaign

SLUG = re.compile(SLUG_PATTERN)


#: Supporters see live campaigns, and closed ones (which say they are closed); never drafts.
PUBLIC_STATUSES = ("live", "closed")


def public_slugs():
    """The slugs of every campaign supporters may see."""
    return set(db.session.scalars(select(Campaign.slug).where(Campaign.status.in_(PUBLIC_STATUSES))))


campaigns = Campaign.__table__

#: What changes from one request to the next: read for each request (but see `find_public_campaign`),
#: in one small query.
CURRENT_STATE = select(
    campaigns.c.id, campaigns.c.status, Campaign.action_count.expression.label("action_count"), campaigns.c.revision,
    campaigns.c.definition_hash,
).where(campaigns.c.slug == bindparam("slug"))
STATE_COLUMNS = tuple(CURRENT_STATE.selected_columns.keys())

#: The rest, which only a new revision or definition changes: read again only then. (The column
#: `action_count` is the part of the count already added up: the state has the whole count.)
DEFINITION = select(*(column for column in campaigns.c if column.name not in STATE_COLUMNS)).where(
    campaigns.c.id == bindparam("id")
)


def find_public_campaign(slug, recent_for=frozenset()):
    """The campaign supporters may see under this slug (live or closed), or a 404.

    Each worker remembers the campaigns it has shown. A request asks the database for the
    campaign's status, count and revision (raised by every change through the models), and reads
    the rest again only when that changed. The small query goes straight to the thread's own
    connection (`read_one`); the rest is read through the session. The campaign is a fresh
    object, in no session: views only read it. It is kept on `g` so the language chosen for the
    response can depend on it.

    The one exception: a live campaign of a kind in `recent_for` is taken, text and settings with
    its state, as this worker last read it, if that was less than PAGE_RECHECK_SECONDS ago, as the
    kept embed pages take theirs. Only actions whose own writes check that the campaign is still
    live may ask for this (a call's steps: `spend_form_token` and `count_actions`). A step that
    writes nothing (a skip, a form with a mistake) may answer that long as if a campaign just
    closed were still live; a closed campaign is always read again, so one reopened takes calls
    at once.
    """
    if not SLUG.fullmatch(slug):
        abort(404)
    # By campaign: the version it was read at, and its definition. Threads share it; each
    # step is one dictionary operation, and two threads reading the same version agree.
    remembered = current_app.extensions.setdefault("megafono.campaigns", {})
    # By slug: the last state read, and when (time.monotonic()).
    last_read = current_app.extensions.setdefault("megafono.campaign_states", {})
    state = recent_live_state(last_read.get(slug), remembered, recent_for) if recent_for else None
    if state is None:
        read_at = monotonic()
        found = read_one(CURRENT_STATE, {"slug": slug})
        if found is None:
            abort(404)
        state = dict(zip(STATE_COLUMNS, found, strict=True))
        if state["status"] not in PUBLIC_STATUSES:
            abort(404)
        remember_reading(last_read, slug, state, read_at)
    version = state_version(state)
    kept = remembered.get(state["id"])
    if kept is None or kept[0] != version:
        kept = (version, dict(db.session.execute(DEFINITION, {"id": state["id"]}).mappings().one()))
        remembered[state["id"]] = kept
    campaign = Campaign(**kept[1], **state)
    g.campaign = campaign
    return campaign


def recent_live_state(last, remembered, kinds):
    """The state last read, if it is recent, live, and of a campaign of one of these kinds."""
    if last is None:
        return None
    state, read_at = last
    if monotonic() - read_at >= current_app.config["PAGE_RECHECK_SECONDS"] or state["status"] != "live":
        return None
    kept = remembered.get(state["id"])
    if kept is None or kept[0] != state_version(state) or kept[1]["kind"] not in kinds:
        return None
    return state


def remember_reading(last_read, slug, state, read_at):
    """Keep a reading of the campaign's state, unless a later one (another thread's) was kept
    while this one was on its way: the later reading stays."""
    kept = last_read.get(slug)
    if kept is None or kept[1] <= read_at:
        last_read[slug] = (state, read_at)


def state_version(state):
    """What the campaign's definition is remembered by: its revision and its file's hash."""
    return state["revision"], state["definition_hash"]


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
