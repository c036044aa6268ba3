"""Call reports: which office a supporter called and how it went, credited to a source.

Revision ID: 0003
Revises: 0002
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "call_reports",
        sa.Column("id", BigId, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("report_key", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"],
            name=op.f("fk_call_reports_campaign_id_campaigns"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_reports")),
        sa.UniqueConstraint("campaign_id", "report_key", name=op.f("uq_call_reports_campaign_id_report_key")),
    )
    op.create_index("ix_call_reports_campaign_id_source", "call_reports", ["campaign_id", "source"])
    op.create_index("ix_call_reports_campaign_id_created_at", "call_reports", ["campaign_id", "created_at"])


def downgrade():
    op.drop_table("call_reports")
