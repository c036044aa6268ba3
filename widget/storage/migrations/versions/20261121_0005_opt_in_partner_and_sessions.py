"""Which partner a supporter's opt-in named, and a per-account key that ends sessions.

Revision ID: 0005
Revises: 0004
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # Signatures taken before this knew no better: none is handed to a partner.
    op.add_column("signatures", sa.Column("opted_in_to", sa.String(length=64), nullable=True))
    op.add_column("organizers", sa.Column("session_key", sa.String(length=32), server_default="", nullable=False))


def downgrade():
    op.drop_column("organizers", "session_key")
    op.drop_column("signatures", "opted_in_to")
