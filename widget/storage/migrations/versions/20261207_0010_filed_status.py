"""The status a campaign's file gave when it was last loaded, apart from the campaign's own.

A campaign closed with `campaigns close` (or taken down in the database) stayed closed only
until its file was next loaded with any change, even one the organizer did not make: a release
that changed how files are read changed every campaign's hash, and `setup` on start-up opened
them all again. Now the file's status counts only when it differs from what the file said last.
Campaigns stored before this have none yet: their status stays as it is, and the next load
records their file's.

Revision ID: 0010
Revises: 0009
Created: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("campaigns", sa.Column("filed_status", sa.String(length=20), nullable=True))


def downgrade():
    op.drop_column("campaigns", "filed_status")
