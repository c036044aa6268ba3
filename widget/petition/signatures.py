"""The one place a signature is written: spend the form token, insert once per email, count it."""

import enum

from widget.forms import email_key
from widget.security.form_token import spend_form_token
from widget.storage.database import count_actions
from widget.storage.database import insert_ignoring_conflict
from widget.storage.models import Signature
from widget.storage.models import utcnow


class Outcome(enum.Enum):
    #: Stored and counted, or the email had already signed: the supporter sees the same thank-you.
    SIGNED = "signed"
    #: The form token was used before (a resubmitted page); nothing was stored.
    TOKEN_ALREADY_USED = "token already used"  # noqa: S105 - an outcome, not a password
    #: The campaign closed (or changed, when asked) between reading it and storing this;
    #: nothing was stored.
    CLOSED = "closed"


def record_signature(campaign_id, details, *, token, language, source, opted_in, consented, ip_digest,
                     opted_in_to=None, connection=None, unchanged_since=None):
    """Store one signature and count it, in one transaction (the connection's, else the session's);
    the caller commits when the outcome is SIGNED and rolls back otherwise. With `unchanged_since`
    (see `count_actions`), a campaign or partner changed since then is CLOSED too.

    The same email on the same campaign is stored and counted once: the insert gives way to the
    unique key instead of failing, so simultaneous signatures never raise and never double count.
    A repeat runs the same statements as a first signature, so timing does not tell them apart.
    """
    if not spend_form_token(token, connection):
        return Outcome.TOKEN_ALREADY_USED
    inserted = insert_ignoring_conflict(
        Signature,
        connection,
        campaign_id=campaign_id,
        given_name=details.get("given_name"),
        family_name=details.get("family_name"),
        email=details.get("email"),
        email_key=email_key(details.get("email")),
        city=details.get("city"),
        postal_code=details.get("postal_code"),
        country=details.get("country"),
        language=language,
        source=source,
        opted_in=opted_in,
        opted_in_to=opted_in_to if opted_in else None,
        consented=consented,
        ip_digest=ip_digest,
        created_at=utcnow(),
    )
    if not count_actions(campaign_id, int(inserted), connection, unchanged_since):
        return Outcome.CLOSED
    return Outcome.SIGNED
