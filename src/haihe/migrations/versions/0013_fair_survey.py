"""fairs: the outcome survey months after a fair (one per participant and meeting held)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fair_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["fair_id"], ["fairs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["meeting_id"], ["fair_meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["fair_participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "participant_id"),
    )
    op.create_index("ix_fair_surveys_fair_id", "fair_surveys", ["fair_id"])
    op.create_index("ix_fair_surveys_meeting_id", "fair_surveys", ["meeting_id"])
    op.create_index("ix_fair_surveys_participant_id", "fair_surveys", ["participant_id"])


def downgrade() -> None:
    op.drop_table("fair_surveys")
