"""Actions are counted without updating their campaign's row: `uncounted_actions`.

Every signature and every call report updated its campaign's row to add itself to the count. On
PostgreSQL each update wrote a new version of that row, and every signer waited for the one
before: under load that was more than half the server's work per signature. Now each action
inserts a row into `uncounted_actions`, in its own transaction, and now and then a campaign's
rows are deleted and their number added to its `counted_actions` (renamed from
`action_count`), in one transaction. A campaign's count is `counted_actions` plus its rows
there, exact at every moment.

On SQLite the trigger behind `signature_writes` (migration 0008) is made again to insert the row
instead of updating the campaign's.

Revision ID: 0009
Revises: 0008
Created: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SIGNATURE_COLUMNS = (
    "campaign_id", "given_name", "family_name", "email", "email_key", "city", "postal_code", "country",
    "language", "source", "opted_in", "opted_in_to", "consented", "ip_digest", "created_at",
)
#: As migration 0008 made it, but for its last statement, which counts the signature.
TRIGGER = f"""
CREATE TRIGGER signature_writes_insert INSTEAD OF INSERT ON signature_writes
BEGIN
    SELECT RAISE(ABORT, 'megafono: campaign not live or changed')
    WHERE NOT EXISTS (
        SELECT 1 FROM campaigns
        WHERE id = NEW.campaign_id AND status = 'live'
          AND (NOT NEW.checks_revisions
               OR (revision = NEW.campaign_revision
                   AND (SELECT revision FROM partners WHERE code = NEW.partner) IS NEW.partner_revision)));
    SELECT RAISE(ABORT, 'megafono: form token already used')
    FROM spent_form_tokens WHERE nonce = NEW.nonce;
    INSERT INTO spent_form_tokens (nonce, expires_at) VALUES (NEW.nonce, NEW.expires_at);
    INSERT INTO signatures ({", ".join(SIGNATURE_COLUMNS)})
    VALUES ({", ".join(f"NEW.{name}" for name in SIGNATURE_COLUMNS)})
    ON CONFLICT DO NOTHING;
COUNTED
END
"""  # noqa: S608 - our own column names
COUNTED_BY_UPDATE = "    UPDATE campaigns SET action_count = action_count + changes() WHERE id = NEW.campaign_id;"
COUNTED_BY_INSERT = "    INSERT INTO uncounted_actions (campaign_id) SELECT NEW.campaign_id WHERE changes() = 1;"


def upgrade():
    on_sqlite = op.get_bind().dialect.name == "sqlite"
    if on_sqlite:
        op.execute("DROP TRIGGER signature_writes_insert")
    op.alter_column("campaigns", "action_count", new_column_name="counted_actions")
    op.create_table(
        "uncounted_actions",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_uncounted_actions_campaign_id_campaigns"),
            ondelete="CASCADE", deferrable=True, initially="DEFERRED",
        ),
    )
    op.create_index("ix_uncounted_actions_campaign_id", "uncounted_actions", ["campaign_id"])
    if on_sqlite:
        op.execute(trigger(counted_by=COUNTED_BY_INSERT))


def downgrade():
    on_sqlite = op.get_bind().dialect.name == "sqlite"
    if on_sqlite:
        op.execute("DROP TRIGGER signature_writes_insert")
    op.execute("UPDATE campaigns SET counted_actions = counted_actions"
               " + (SELECT count(*) FROM uncounted_actions WHERE campaign_id = campaigns.id)")
    op.drop_table("uncounted_actions")
    op.alter_column("campaigns", "counted_actions", new_column_name="action_count")
    if on_sqlite:
        op.execute(trigger(counted_by=COUNTED_BY_UPDATE))


def trigger(counted_by):
    return TRIGGER.replace("COUNTED", counted_by)
