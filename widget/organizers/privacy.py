"""Supporters' rights over what they gave: erasure on request, and expiry after a retention period."""

from collections import Counter
from datetime import timedelta

from email_validator import EmailNotValidError
from email_validator import validate_email
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from widget.extensions import db
from widget.forms import email_key
from widget.storage.models import Campaign
from widget.storage.models import Signature
from widget.storage.models import utcnow

#: What a signature says about the person; retention removes these and keeps the rest for counting.
PERSONAL_FIELDS = ("given_name", "family_name", "email", "email_key", "city", "postal_code", "country", "ip_digest")


class PrivacyError(ValueError):
    """The request cannot be carried out as given; the message says why."""


def checked_address(address):
    """The address as it is stored (normalized); PrivacyError if it is none."""
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise PrivacyError(f"{address!r} is not an email address") from error


def erase_supporter(address):
    """Delete every signature given with this address, on every campaign; return {slug: count}.

    Counts go down with them: the person withdrew. Call reports are not touched; they never
    held anything that says who called.
    """
    normalized = checked_address(address)
    matches = or_(
        Signature.email_key == email_key(normalized),
        # Rows keyed before a change of secret key still carry the address itself.
        func.lower(Signature.email) == normalized.lower(),
    )
    # Deleted first, and counted by what was deleted: of two erasures of one address at once, the
    # second finds the rows gone and takes nothing off the counts.
    deleted = db.session.execute(
        Signature.__table__.delete().where(matches).returning(Signature.campaign_id)).scalars().all()
    removed = Counter(deleted)
    # The part of each count already added up goes down, campaigns in order; the total is that
    # plus the uncounted actions, so it goes down alike if these were not added up yet.
    for campaign_id, count in sorted(removed.items()):
        db.session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(counted_actions=Campaign.counted_actions - count))
    slugs = dict(db.session.execute(select(Campaign.id, Campaign.slug).where(Campaign.id.in_(removed))).all())
    db.session.commit()
    return dict(sorted((slugs[campaign_id], count) for campaign_id, count in removed.items()))


def apply_retention(days):
    """Blank the personal details of signatures older than `days`; return how many were blanked.

    The rows stay, with their campaign, language, source and date, so every count stays right.
    """
    if days < 1:
        raise PrivacyError("the retention period must be at least one day")
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(
        update(Signature)
        .where(Signature.created_at < cutoff, or_(*(getattr(Signature, name).is_not(None) for name in PERSONAL_FIELDS)))
        .values(**dict.fromkeys(PERSONAL_FIELDS))
    )
    db.session.commit()
    return result.rowcount
