"""On SQLite, a signature is written by one statement, as it is on PostgreSQL.

SQLite has no writes inside WITH, so it took three statements (spend the token, insert the
signature, count it), each a trip through SQLAlchemy, with the host's writer lock held from the
first to the commit. An INSERT into the view `signature_writes` now does all three: the view has
no rows, and its trigger does what PostgreSQL's one statement does (`one_statement` in
widget/petition/signatures.py), in the same order. It refuses, with the messages
`record_through_view` reads and nothing written, a campaign that is not live or (when asked to
check) has changed since, and then a token already spent. An email that has signed spends the
token and counts 0.

A later batch migration (a table copied and renamed) of a table the trigger names must drop the
trigger first and create it again after: SQLite checks every trigger when it renames a table,
and the copy is renamed while the table the trigger names is gone.

Revision ID: 0008
Revises: 0007
Created: 2026-11-22
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SIGNATURE_COLUMNS = (
    "campaign_id", "given_name", "family_name", "email", "email_key", "city", "postal_code", "country",
    "language", "source", "opted_in", "opted_in_to", "consented", "ip_digest", "created_at",
)
#: What the view takes: the token, whether to check revisions and which, and the signature.
VIEW_COLUMNS = ("nonce", "expires_at", "checks_revisions", "campaign_revision", "partner", "partner_revision",
                *SIGNATURE_COLUMNS)

VIEW = f"CREATE VIEW signature_writes AS SELECT {', '.join(f'NULL AS {name}' for name in VIEW_COLUMNS)} WHERE 0"

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
    UPDATE campaigns SET action_count = action_count + changes() WHERE id = NEW.campaign_id;
END
"""  # noqa: S608 - our own column names


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(VIEW)
    op.execute(TRIGGER)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER signature_writes_insert")
    op.execute("DROP VIEW signature_writes")
