"""Partners: who may frame a campaign, whose colours a widget wears, and counts per partner."""

import re
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select

from widget.embedding.attribution import COLOUR
from widget.embedding.attribution import SOURCE_CODE
from widget.extensions import db
from widget.storage.models import Partner
from widget.storage.models import Signature
from widget.storage.models import utcnow

ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


class PartnerError(ValueError):
    """A partner's details are not acceptable; the message says which and why."""


def find_partner(code):
    """The registered partner with this source code, or None (a sharer's code, or no code)."""
    if not code:
        return None
    return db.session.scalar(select(Partner).where(Partner.code == code))


def framing_sources(campaign, partner):
    """Who may show this campaign in a frame: anyone, or its own and the partner's origins.

    Our own pages always may (the action page and the embed-code preview show the widget).
    A partner's origins count only when the request carries that partner's code, so the header
    stays short and a page cannot borrow another partner's permission.
    """
    embedding = campaign.settings["embedding"]
    if embedding["open_to_any_site"]:
        return ["*"]
    origins = ["'self'", *embedding["allowed_origins"]]
    if partner is not None:
        origins += [origin for origin in partner.allowed_origins if origin not in origins]
    return origins


def may_embed(campaign, partner, origin):
    """Whether a page on this origin may show the campaign (asked by the loader before it frames)."""
    sources = framing_sources(campaign, partner)
    return "*" in sources or origin in sources


def accent_colour(campaign, partner, requested=None):
    """The widget's accent: the snippet's `data-theme`, else the partner's, else the campaign's."""
    if requested:
        return requested
    if partner is not None and partner.accent_color:
        return partner.accent_color
    return campaign.settings["accent_color"]


@dataclass(frozen=True)
class PartnerDetails:
    code: str
    name: str
    origins: list[str]
    accent_color: str | None


def checked_details(code, name, origins, accent_color):
    """Validate a partner's details; raise PartnerError naming the first problem."""
    if not SOURCE_CODE.match(code or ""):
        raise PartnerError(f"code {code!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    name = (name or "").strip()
    if not 1 <= len(name) <= 120:
        raise PartnerError("name: give the organization's name (at most 120 characters)")
    cleaned = []
    for origin in origins:
        origin = origin.strip().rstrip("/")
        if not ORIGIN.match(origin):
            raise PartnerError(f"origin {origin!r}: give scheme and host only, like https://example.org")
        cleaned.append(origin)
    if accent_color is not None and not COLOUR.match(accent_color):
        raise PartnerError(f"accent colour {accent_color!r}: use #rrggbb")
    return PartnerDetails(code, name, cleaned, accent_color)


def add_partner(code, name, origins=(), accent_color=None):
    """Register a partner; refuses a code already in use."""
    details = checked_details(code, name, origins, accent_color)
    if find_partner(details.code) is not None:
        raise PartnerError(f"code {code!r} is already registered; use `partners update`")
    partner = Partner(
        code=details.code, name=details.name, allowed_origins=details.origins, accent_color=details.accent_color
    )
    db.session.add(partner)
    db.session.commit()
    return partner


def update_partner(code, name=None, origins=None, accent_color=None):
    """Change a partner's name, origins (replaced as a whole) or colour; the code never changes."""
    partner = find_partner(code)
    if partner is None:
        raise PartnerError(f"no partner with code {code!r}")
    details = checked_details(
        code,
        name if name is not None else partner.name,
        origins if origins is not None else partner.allowed_origins,
        accent_color if accent_color is not None else partner.accent_color,
    )
    partner.name, partner.allowed_origins = details.name, details.origins
    partner.accent_color, partner.updated_at = details.accent_color, utcnow()
    db.session.commit()
    return partner


def all_partners():
    return list(db.session.scalars(select(Partner).order_by(Partner.code)))


def counts_by_partner():
    """Signatures per source code, over every campaign."""
    rows = db.session.execute(select(Signature.source, func.count()).group_by(Signature.source))
    return {source: count for source, count in rows if source}


def counts_by_source(campaign_id):
    """Signatures per source code on one campaign (None for people who came with no code)."""
    rows = db.session.execute(
        select(Signature.source, func.count())
        .where(Signature.campaign_id == campaign_id)
        .group_by(Signature.source)
        .order_by(func.count().desc())
    )
    return dict(rows.all())
