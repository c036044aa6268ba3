"""A revision number on campaigns and partners, raised by every change made through the models.

Widget pages a worker keeps are answered again only while the campaign's and partner's revisions
(and the count) are the ones they were rendered from.

Revision ID: 0006
Revises: 0005
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("campaigns", sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
    op.add_column("partners", sa.Column("revision", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    op.drop_column("partners", "revision")
    op.drop_column("campaigns", "revision")
