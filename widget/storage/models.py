"""What Megáfono stores: campaigns, the signatures supporters give them, and spent form tokens."""

from datetime import UTC
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import UniqueConstraint
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import column_property
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import object_session

from widget.extensions import db
from widget.storage.base import BigId
from widget.storage.base import JSONDocument


def utcnow():
    return datetime.now(UTC)


def campaign_key_checked_at_commit():
    """The key from an action (a signature, a call, an uncounted action) to its campaign, checked
    when the transaction commits rather than at the insert.

    Checked at each insert, PostgreSQL share-locked the campaign's row for the key, and the same
    transaction then updated that row to count the action: every concurrent signer's update had
    to record the other lockers beside itself (a "multixact"), each later read of the row looked
    all of them up, and under load that doubled the server's work per signature. Actions are now
    counted without updating the row (`uncounted_actions`); checked at commit, the key still
    takes the lock for the shortest time.
    """
    return ForeignKey("campaigns.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED")


#: Actions (a signature stored, a call reported) taken and not yet added to their campaign's
#: `counted_actions`: one row each, inserted in the action's own transaction, so that no action
#: updates the campaign's row. Now and then (widget/storage/counting.py) a campaign's are deleted
#: and their number added to its row, in one transaction. A campaign's count is its
#: `counted_actions` plus its rows here (`Campaign.action_count`), exact at every moment. The key
#: is there for replication, which needs one to carry deletes.
uncounted_actions = Table(
    "uncounted_actions", db.metadata,
    Column("id", BigId, primary_key=True),
    Column("campaign_id", Integer, campaign_key_checked_at_commit(), nullable=False, index=True),
)


class Campaign(db.Model):
    """A campaign as loaded from its YAML file, plus the live count of actions taken."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    #: The status its file gave when last loaded. The file's status counts only when it differs
    #: from this, so a campaign closed from the command line (or taken down in the database)
    #: stays closed through loads of its file that leave `status:` alone. None until a load
    #: after migration 0010.
    filed_status: Mapped[str | None] = mapped_column(String(20))
    default_language: Mapped[str] = mapped_column(String(16))
    #: Per-language text, already rendered where it is Markdown: {"es": {"title": ...}, ...}
    content: Mapped[dict[str, Any]]
    #: Everything else the campaign file says (fields, goal, colours, targets, ...).
    settings: Mapped[dict[str, Any]]
    #: Hash of the definition last loaded, so loading an unchanged file changes nothing.
    definition_hash: Mapped[str] = mapped_column(String(64))
    #: Signatures (or calls) added to the count so far. Each action taken is first written down in
    #: `uncounted_actions`, in the transaction that stores it, and now and then all of a campaign's
    #: are added here at once (widget/storage/counting.py): updating this row with every action
    #: made every signer wait for the row, and cost PostgreSQL more than storing the signature
    #: itself. The column keeps its old name, `action_count`, so that a server still running the
    #: release before (which adds to it with each action) counts alike while servers are updated.
    counted_actions: Mapped[int] = mapped_column("action_count", default=0, server_default="0")
    #: Every action taken: those added to the count, plus those not added yet, which are few
    #: whatever the number of signatures, so reading it costs the same with one row or a million.
    action_count: Mapped[int] = column_property(counted_actions + select(func.count()).where(
        uncounted_actions.c.campaign_id == id).correlate_except(uncounted_actions).scalar_subquery())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the campaign file last changed (not when someone last signed).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Raised by every change made through the model (a file loaded, a status, an edit), never by
    #: a signature. Kept widget pages are checked against it (widget/embedding/rendered.py).
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    @property
    def languages(self):
        """Languages the campaign has content in, its default first."""
        others = sorted(lang for lang in self.content if lang != self.default_language)
        return [self.default_language, *others]

    def text(self, language):
        """The campaign's content in a language, each missing piece taken from the default language."""
        default = self.content[self.default_language]
        own = self.content.get(language, {})
        return {key: own.get(key) or value for key, value in default.items()}

    def text_language(self, language, key):
        """Which language a piece of content will actually appear in (for the `lang` attribute)."""
        return language if self.content.get(language, {}).get(key) else self.default_language

    @property
    def is_live(self):
        return self.status == "live"



@event.listens_for(Campaign, "before_update")
def raise_campaign_revision(mapper, connection, campaign):
    raise_revision(campaign)


class Partner(db.Model):
    """An organization that embeds campaigns on its own site and is credited for its supporters."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The `source` code on its snippets; every submission through it carries this code.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Origins (https://example.org) whose pages may frame campaigns that are not open to all.
    allowed_origins: Mapped[list[str]] = mapped_column(JSONDocument)
    #: The partner's accent colour; the widget picks readable text colours to go with it.
    accent_color: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Raised by every change made through the model, like a campaign's.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")



@event.listens_for(Partner, "before_update")
def raise_partner_revision(mapper, connection, partner):
    raise_revision(partner)


def raise_revision(instance):
    """Count a real change in the UPDATE itself (revision = revision + 1), so two changes made at
    the same moment by two servers both count and neither is refused."""
    if object_session(instance).is_modified(instance, include_collections=False):
        instance.revision = type(instance).revision + 1


class Signature(db.Model):
    """One supporter's signature on one petition. The email is unique per campaign."""

    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint("campaign_id", "email_key"),
        Index("ix_signatures_campaign_id_source", "campaign_id", "source"),
        Index("ix_signatures_campaign_id_created_at", "campaign_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(campaign_key_checked_at_commit())
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    #: Keyed digest of the lower-cased address: how one person is counted once per campaign.
    #: Fixed length whatever the address, and no address in clear in the unique index.
    email_key: Mapped[str | None] = mapped_column(String(64))
    city: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(16))
    #: The partner (or sharer) code the supporter came through.
    source: Mapped[str | None] = mapped_column(String(64))
    opted_in: Mapped[bool] = mapped_column(default=False)
    #: The partner the opt-in box named, when it named one (else the campaign's organizer did).
    #: Only that partner may ever receive this supporter's details.
    opted_in_to: Mapped[str | None] = mapped_column(String(64))
    consented: Mapped[bool] = mapped_column(default=False)
    #: Keyed, truncated digest of the supporter's IP address; the address itself is never stored.
    ip_digest: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CallReport(db.Model):
    """One call a supporter made, and how it went. Nothing here says who called."""

    __tablename__ = "call_reports"
    __table_args__ = (
        # One report per office per visit: a report sent twice (a reloaded page) counts once.
        UniqueConstraint("campaign_id", "report_key"),
        Index("ix_call_reports_campaign_id_source", "campaign_id", "source"),
        Index("ix_call_reports_campaign_id_created_at", "campaign_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(campaign_key_checked_at_commit())
    #: Unique per office per visit, and unlinkable to the visit's other reports (see reports.py).
    report_key: Mapped[str] = mapped_column(String(64))
    #: The office called: a member's Bioguide ID, or a fixed number (`tel:+12024561111`).
    target: Mapped[str] = mapped_column(String(40))
    #: talked_to_staff, left_voicemail, line_busy or no_answer.
    outcome: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(64))
    #: To the hour only.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpentFormToken(db.Model):
    """A form token that has been used once; kept until it would have expired anyway."""

    __tablename__ = "spent_form_tokens"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


#: SQLite only (migration 0008): a view with no rows, an insert into which spends a form token,
#: stores a signature and counts it, in one statement, as PostgreSQL's one statement does (see
#: `record_signature`). Its own metadata: it is no table, and nothing creates it but the migration.
signature_writes = Table(
    "signature_writes", MetaData(),
    *(Column(column.name, column.type) for column in SpentFormToken.__table__.columns),
    # Whether the campaign and the partner (by code) must still have these revisions.
    Column("checks_revisions", Boolean), Column("campaign_revision", Integer), Column("partner", String(64)),
    Column("partner_revision", Integer),
    *(Column(column.name, column.type) for column in Signature.__table__.columns if not column.primary_key),
)


class Organizer(db.Model):
    """Someone who may sign in to the dashboard. A partner's organizer sees only that partner's supporters."""

    __tablename__ = "organizers"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: Werkzeug's salted scrypt hash; the password itself is shown once, when the CLI makes it.
    password_hash: Mapped[str] = mapped_column(String(256))
    #: A partner's source code, or None for the campaign's own organizers (who see everything).
    partner_code: Mapped[str | None] = mapped_column(String(64))
    #: Part of every session's check: changing it (on signing out, or a new password) ends every session.
    session_key: Mapped[str] = mapped_column(String(32), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
