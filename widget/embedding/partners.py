"""Partners: their records (code, name, sites, color) and the credit they get."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select

from widget.embedding.attribution import COLOR
from widget.embedding.attribution import SOURCE_CODE
from widget.embedding.origins import ORIGIN
from widget.embedding.origins import sent_origin
from widget.extensions import db
from widget.organizers import reports
from widget.organizers.scope import Scope
from widget.storage.models import Partner
from widget.storage.models import Signature
from widget.storage.models import utcnow


class PartnerError(ValueError):
    """A partner's details are not acceptable; the message says which and why."""


def find_partner(code):
    """The registered partner with this source code, or None (a sharer's code, or no code)."""
    if not code:
        return None
    return db.session.scalar(select(Partner).where(Partner.code == code))


@dataclass(frozen=True)
class PartnerDetails:
    code: str
    name: str
    origins: list[str]
    accent_color: str | None


def checked_details(code, name, origins, accent_color):
    """Validate a partner's details; raise PartnerError naming the first problem."""
    if not SOURCE_CODE.fullmatch(code or ""):
        raise PartnerError(f"code {code!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    name = (name or "").strip()
    if not 1 <= len(name) <= 120:
        raise PartnerError("name: give the organization's name (at most 120 characters)")
    cleaned = []
    for origin in origins:
        normalized = sent_origin(origin) if ORIGIN.fullmatch(origin.strip()) else None
        if normalized is None:
            raise PartnerError(f"origin {origin!r}: give scheme and host only, like https://example.org")
        cleaned.append(normalized)
    if accent_color is not None and not COLOR.fullmatch(accent_color):
        raise PartnerError(f"accent color {accent_color!r}: use #rrggbb")
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


def counts_by_source(campaign):
    """Signatures (or calls) per source code on one campaign; None for people who came with no code."""
    return reports.counts_by_source(Scope(campaign))
