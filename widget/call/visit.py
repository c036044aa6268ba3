"""A supporter's way through a call-in, carried by the page itself in a signed token.

Like the form token it needs no cookie and no server memory: the offices to call, where the
supporter is in the list, and the name and city they gave (for their script) travel with each
form, signed so they cannot be altered. The random `key` marks one visit, so a report sent twice
(a reloaded page) is counted once.
"""

import secrets
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import replace

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired

from widget.security.keys import timed_serializer

SALT = "megafono.call-visit.v1"

#: The `step` the widget's script posts to come back to a visit its tab kept (static/embed.js):
#: after a reload, or a tab the phone closed while the supporter was dialing.
RESUME = "resume"
#: How long after its last step a visit can be come back to that way. Past it, the first form is
#: shown empty: a phone passed to someone else shows nothing of the last caller.
RESUME_SECONDS = 30 * 60


class VisitError(Exception):
    """The visit token is missing, forged, for another campaign, or too old.

    For a token that is only too old, `visit` holds what it carried, to fill the form in again.
    """

    def __init__(self, reason, visit=None):
        super().__init__(reason)
        self.visit = visit


@dataclass(frozen=True)
class CallVisit:
    key: str
    targets: tuple
    zip_code: str | None = None
    name: str = ""
    city: str = ""
    position: int = 0
    calls: int = 0

    @classmethod
    def start(cls, targets, zip_code=None, name="", city=""):
        return cls(secrets.token_urlsafe(16), tuple(targets), zip_code, name or "", city or "")

    @property
    def current_target(self):
        return self.targets[self.position]

    @property
    def finished(self):
        return self.position >= len(self.targets)

    def moved_on(self, called):
        """The visit after this office: called (and reported) or skipped."""
        return replace(self, position=self.position + 1, calls=self.calls + int(called))

    def details(self):
        """What the supporter typed, to fill the first form in again."""
        return {"postal_code": self.zip_code or "", "given_name": self.name, "city": self.city}


def visit_token(campaign_slug, visit):
    return timed_serializer(SALT).dumps({"c": campaign_slug, **asdict(visit)})


def read_visit(token, campaign_slug, max_age=None):
    """The visit a posted token carries; VisitError unless it is ours, well formed, and issued
    less than `max_age` seconds ago (by default, as long as a form token lasts)."""
    if not token or len(token) > 4000:
        raise VisitError("missing")
    serializer = timed_serializer(SALT)
    if max_age is None:
        max_age = current_app.config["FORM_TOKEN_MAX_AGE"]
    try:
        payload = serializer.loads(token, max_age=max_age)
    except SignatureExpired as error:
        # The signature is good, only old: what it carries can fill the form in again.
        raise VisitError("expired", visit_from(serializer.loads(token), campaign_slug)) from error
    except BadSignature as error:
        raise VisitError("invalid") from error
    visit = visit_from(payload, campaign_slug)
    if visit is None:
        raise VisitError("invalid")
    return visit


def visit_from(payload, campaign_slug):
    """The visit a token's payload describes, or None if it is not a well-formed visit of this campaign."""
    if not isinstance(payload, dict) or payload.get("c") != campaign_slug:
        return None
    fields = {key: value for key, value in payload.items() if key != "c"}
    try:
        visit = CallVisit(**{**fields, "targets": tuple(fields["targets"])})
    except (TypeError, KeyError):
        return None
    if not visit.targets or not 0 <= visit.position <= len(visit.targets):
        return None
    return visit
