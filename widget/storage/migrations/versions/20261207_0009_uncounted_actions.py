"""Actions are counted without updating their campaign's row: `uncounted_actions`.

Every signature and every call report updated its campaign's row to add itself to the count. On
PostgreSQL each update wrote a new version of that row, and every signer waited for the one
before: under load that was more than half the server's work per signature. Now each action
inserts a row into `uncounted_actions`, in its own transaction, and now and then a campaign's
rows are deleted and their number added to its `action_count` column (`Campaign.counted_actions`
in the models), in one transaction. A campaign's count is that column plus its rows there,
exact at every moment. The column keeps its name: a server still running the release before,
while servers are updated one by one, goes on adding to it, and its count stays exact (the
count it shows leaves out the rows not yet added).

On SQLite the trigger behind `signature_writes` (migration 0008) is made again from its own
stored text, its last statement inserting the row instead of updating the campaign's.

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

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: The last statement of the trigger behind `signature_writes`, which counts the signature: as
#: migration 0008 made it, and as this one makes it.
COUNTED_BY_UPDATE = "    UPDATE campaigns SET action_count = action_count + changes() WHERE id = NEW.campaign_id;"
COUNTED_BY_INSERT = "    INSERT INTO uncounted_actions (campaign_id) SELECT NEW.campaign_id WHERE changes() = 1;"


def upgrade():
    trigger = sqlite_trigger()
    if trigger is not None:
        op.execute("DROP TRIGGER signature_writes_insert")
    op.create_table(
        "uncounted_actions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_uncounted_actions_campaign_id_campaigns"),
            ondelete="CASCADE", deferrable=True, initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uncounted_actions")),
    )
    op.create_index("ix_uncounted_actions_campaign_id", "uncounted_actions", ["campaign_id"])
    if trigger is not None:
        op.execute(replaced(trigger, COUNTED_BY_UPDATE, COUNTED_BY_INSERT))


def downgrade():
    trigger = sqlite_trigger()
    if trigger is not None:
        op.execute("DROP TRIGGER signature_writes_insert")
    op.execute("UPDATE campaigns SET action_count = action_count"
               " + (SELECT count(*) FROM uncounted_actions WHERE campaign_id = campaigns.id)")
    op.drop_table("uncounted_actions")
    if trigger is not None:
        op.execute(replaced(trigger, COUNTED_BY_INSERT, COUNTED_BY_UPDATE))


def sqlite_trigger():
    """On SQLite, the trigger as stored (SQLite keeps the text it was made from); else None."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return None
    return bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'signature_writes_insert'")).scalar_one()


def replaced(trigger, counted_before, counted_after):
    if counted_before not in trigger:
        raise RuntimeError("the trigger signature_writes_insert is not as migration 0008 or 0009 made it")
    return trigger.replace(counted_before, counted_after)
