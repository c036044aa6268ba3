"""Who is asking, and so which supporters' rows a query may return."""

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from sqlalchemy import select

from widget.organizers.days import start_of
from widget.storage.models import CallReport
from widget.storage.models import Campaign
from widget.storage.models import Signature


@dataclass(frozen=True)
class Scope:
    """Everything (partner None) or one partner's share of a campaign, optionally between two dates."""

    campaign: Campaign
    partner: str | None = None
    since: date | None = None
    #: Inclusive: the whole of this day.
    until: date | None = None

    @property
    def model(self):
        return action_model(self.campaign)

    def rows(self):
        """A select of the campaign's actions this scope may see, oldest first."""
        model = self.model
        query = select(model).where(model.campaign_id == self.campaign.id)
        if self.partner is not None:
            query = query.where(model.source == self.partner)
        if self.since is not None:
            query = query.where(model.created_at >= start_of(self.since))
        if self.until is not None and self.until < date.max:
            query = query.where(model.created_at < start_of(self.until + timedelta(days=1)))
        return query.order_by(model.created_at, model.id)

    def contact_rows(self):
        """Rows whose contact details this scope may take away: a partner gets only the people
        whose ticked box named that partner ("Send me updates from <partner>"); nobody gets rows
        whose details have expired."""
        query = self.rows()
        if self.model is Signature:
            query = query.where(Signature.email_key.is_not(None))
            if self.partner is not None:
                query = query.where(Signature.opted_in.is_(True), Signature.opted_in_to == self.partner)
        return query


def action_model(campaign):
    return CallReport if campaign.kind == "call" else Signature
