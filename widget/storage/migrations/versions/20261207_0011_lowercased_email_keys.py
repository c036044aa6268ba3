"""Supporters keyed by their lowercased address, not its case-folded form.

Case folding also turns "ß" into "ss", so ana@straße.de and ana@strasse.de (two domains, two
people) shared one key (`email_key` in widget/forms.py): the second could not sign, and erasing
either erased both. Keys are now made from the address in lower case. The two forms agree for
every ASCII address, so only signatures whose address has other characters are keyed again,
with the secret key the app runs with: this needs the app, and does nothing when Alembic only
writes SQL out (offline). Lowercased keys stay as distinct as folded ones were, so no two rows
of a campaign can collide. Going down leaves the keys as they are: folding them again could
merge two people's rows.

Revision ID: 0011
Revises: 0010
Created: 2026-12-07
"""

import sqlalchemy as sa
from alembic import context
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: Addresses with a character outside printable ASCII, the only ones whose key can change.
NOT_ASCII = {
    "postgresql": "email ~ '[^ -~]'",
    "sqlite": "email GLOB '*[^ -~]*'",
}


def upgrade():
    if context.is_offline_mode():
        return
    from widget.forms import email_key

    connection = op.get_bind()
    rows = connection.execute(sa.text(
        f"SELECT id, email, email_key FROM signatures WHERE email IS NOT NULL AND {NOT_ASCII[connection.dialect.name]}"  # noqa: S608 - our own condition
    )).all()
    update = sa.text("UPDATE signatures SET email_key = :key WHERE id = :id")
    for row_id, email, stored in rows:
        key = email_key(email)
        if key != stored:
            connection.execute(update, {"key": key, "id": row_id})


def downgrade():
    pass
