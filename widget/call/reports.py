"""The one place a call is written: the report stored once per office per visit, and counted."""

from sqlalchemy import update

from widget.extensions import db
from widget.storage.database import insert_ignoring_conflict
from widget.storage.models import CallReport
from widget.storage.models import Campaign
from widget.storage.models import utcnow

OUTCOMES = ("talked_to_staff", "left_voicemail", "line_busy", "no_answer")


def record_call(campaign, visit, outcome, *, language, source):
    """Store how the call to the visit's current office went, and count it, in one transaction.

    Sending the same report again (a reloaded page) changes nothing: the visit and office are a
    unique key, and the counter moves only when a row was added.
    """
    inserted = insert_ignoring_conflict(
        CallReport,
        campaign_id=campaign.id,
        visit=visit.key,
        target=visit.current_target,
        outcome=outcome,
        language=language,
        source=source,
        created_at=utcnow(),
    )
    db.session.execute(
        update(Campaign).where(Campaign.id == campaign.id).values(action_count=Campaign.action_count + int(inserted))
    )
    db.session.commit()
    return inserted
