"""fairs: slots, tables, participants and their availability, meeting requests, meetings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _fair_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["fair_id"], ["fairs.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "fair_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        _fair_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fair_id", "starts_at"),
    )
    op.create_index("ix_fair_slots_fair_id", "fair_slots", ["fair_id"])
    op.create_table(
        "fair_tables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=True),
        _fair_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fair_id", "number"),
    )
    op.create_index("ix_fair_tables_fair_id", "fair_tables", ["fair_id"])
    op.create_table(
        "fair_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=True),
        sa.Column("representatives", sa.Text(), nullable=True),
        _fair_fk(),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fair_id", "organisation_id"),
    )
    op.create_index("ix_fair_participants_fair_id", "fair_participants", ["fair_id"])
    op.create_index(
        "ix_fair_participants_organisation_id", "fair_participants", ["organisation_id"]
    )
    op.create_table(
        "fair_availability",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["fair_participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["slot_id"], ["fair_slots.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id", "slot_id"),
    )
    op.create_table(
        "fair_meeting_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("requested_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("mutual", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        _fair_fk(),
        sa.ForeignKeyConstraint(["requester_id"], ["fair_participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_id"], ["fair_participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fair_id", "requester_id", "requested_id"),
    )
    op.create_index("ix_fair_meeting_requests_fair_id", "fair_meeting_requests", ["fair_id"])
    op.create_index(
        "ix_fair_meeting_requests_requester_id", "fair_meeting_requests", ["requester_id"]
    )
    op.create_index(
        "ix_fair_meeting_requests_requested_id", "fair_meeting_requests", ["requested_id"]
    )
    op.create_table(
        "fair_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        _fair_fk(),
        sa.ForeignKeyConstraint(["request_id"], ["fair_meeting_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["slot_id"], ["fair_slots.id"]),
        sa.ForeignKeyConstraint(["table_id"], ["fair_tables.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
        sa.UniqueConstraint("slot_id", "table_id"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index("ix_fair_meetings_fair_id", "fair_meetings", ["fair_id"])
    op.create_index("ix_fair_meetings_slot_id", "fair_meetings", ["slot_id"])


def downgrade() -> None:
    op.drop_table("fair_meetings")
    op.drop_table("fair_meeting_requests")
    op.drop_table("fair_availability")
    op.drop_table("fair_participants")
    op.drop_table("fair_tables")
    op.drop_table("fair_slots")
