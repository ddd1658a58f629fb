"""fairs: check-in, meetings held or not (each side), outcomes, calendar sequence; the
project's source meeting

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "fair_participants", sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "fair_meetings",
        sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("fair_meetings", sa.Column("held_by_requester", sa.Boolean(), nullable=True))
    op.add_column("fair_meetings", sa.Column("held_by_requested", sa.Boolean(), nullable=True))
    op.add_column("fair_meetings", sa.Column("outcome", sa.String(length=24), nullable=True))
    op.add_column(
        "fair_meetings", sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "fair_meetings",
        sa.Column("intended_investment", sa.Numeric(precision=20, scale=2), nullable=True),
    )
    op.add_column("projects", sa.Column("meeting_id", sa.Integer(), nullable=True))
    op.create_index("ix_projects_meeting_id", "projects", ["meeting_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_projects_meeting_id", table_name="projects")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("meeting_id")
    with op.batch_alter_table("fair_meetings") as batch:
        for name in (
            "intended_investment",
            "outcome_at",
            "outcome",
            "held_by_requested",
            "held_by_requester",
            "sequence",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("fair_participants") as batch:
        batch.drop_column("checked_in_at")
