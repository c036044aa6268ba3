"""The one place a call is written: the report stored once per office per visit, and counted."""

import hashlib
import hmac

from flask_babel import lazy_gettext as _l

from widget.extensions import db
from widget.security.keys import derived_key
from widget.storage.counting import count_actions
from widget.storage.database import insert_ignoring_conflict
from widget.storage.models import CallReport
from widget.storage.models import utcnow

#: How a call can go, as stored and as the supporter chooses it. All count as calls made: the
#: supporter dialled, and offices count voicemails too.
OUTCOMES = {
    # NOTE: Buttons the supporter presses after a call, to say how it went (first person, past).
    "talked_to_staff": _l("I talked to someone"),
    "left_voicemail": _l("I left a voicemail"),
    "line_busy": _l("The line was busy"),
    "no_answer": _l("Nobody answered"),
}


def report_key(visit, target):
    """A key for one office in one visit that does not link the visit's other reports together.

    Several offices called in one visit would narrow down where the caller lives (the districts a
    ZIP code spans), so reports are not stored under a shared visit key.
    """
    return hmac.new(derived_key("call-report"), f"{visit.key}:{target}".encode(), hashlib.sha256).hexdigest()


def record_call(campaign, visit, outcome, *, language, source):
    """Store how the call to the visit's current office went, and count it, in one transaction;
    False if the campaign is no longer live (closed since it was read), with nothing kept.

    Sending the same report again (a reloaded page) changes nothing: the key is unique per office
    per visit, and the counter moves only when a row was added. The time is kept to the hour,
    enough for counts over time and too coarse to line one caller's reports up.
    """
    inserted = insert_ignoring_conflict(
        CallReport,
        campaign_id=campaign.id,
        report_key=report_key(visit, visit.current_target),
        target=visit.current_target,
        outcome=outcome,
        language=language,
        source=source,
        created_at=utcnow().replace(minute=0, second=0, microsecond=0),
    )
    if not count_actions(campaign.id, int(inserted)):
        db.session.rollback()  # the campaign closed since the page was read: nothing is kept
        return False
    db.session.commit()
    return True
