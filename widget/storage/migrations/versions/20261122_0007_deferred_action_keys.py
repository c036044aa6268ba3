"""Signatures' and call reports' keys to their campaign are checked at commit.

See `campaign_key_checked_at_commit` in widget/storage/models.py: checked at each insert, the key
share-locked the campaign's row that the same transaction then updates, and under load
PostgreSQL did twice the work per signature, looking up the lockers it had to record.

Revision ID: 0007
Revises: 0006
Created: 2026-11-22
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KEYS = {"signatures": "fk_signatures_campaign_id_campaigns", "call_reports": "fk_call_reports_campaign_id_campaigns"}


def upgrade():
    set_keys(deferred=True)


def downgrade():
    set_keys(deferred=False)


def set_keys(deferred):
    if op.get_bind().dialect.name == "postgresql":
        timing = "DEFERRABLE INITIALLY DEFERRED" if deferred else "NOT DEFERRABLE"
        for table, key in KEYS.items():
            op.execute(f"ALTER TABLE {table} ALTER CONSTRAINT {key} {timing}")
        return
    # SQLite cannot alter a constraint: batch mode copies the table with the key made anew, and
    # the copy is checked against the key. Rows whose campaign is gone (deleted where foreign keys
    # were off, as in the sqlite3 shell) are dropped, as the delete would have dropped them. A
    # copy left by a run that was stopped would make this one fail: it goes first.
    for table, key in KEYS.items():
        op.execute(f"DROP TABLE IF EXISTS _alembic_tmp_{table}")
        op.execute(f"DELETE FROM {table} WHERE campaign_id NOT IN (SELECT id FROM campaigns)")  # noqa: S608 - our table names
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_constraint(key, type_="foreignkey")
            batch.create_foreign_key(key, "campaigns", ["campaign_id"], ["id"], ondelete="CASCADE",
                                     deferrable=deferred or None, initially="DEFERRED" if deferred else None)
