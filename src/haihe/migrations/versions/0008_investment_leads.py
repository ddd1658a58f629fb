"""investment leads (招商线索): leads, their steps, history and attachments; projects.lead_id

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

A lead is a target organisation worked by an officer for a chain segment and a landing
region, followed new → contacted → visited → negotiating → signed / dropped. A signed lead
becomes a cooperation project: the project keeps the lead it came from (projects.lead_id,
no foreign key: leads are a context of their own), the lead keeps its project.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_name", sa.String(length=300), nullable=False),
        sa.Column("organisation_region_code", sa.String(length=6), nullable=True),
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.Column("segment", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("officer", sa.String(length=100), nullable=True),
        sa.Column("officer_user_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("dropped_reason", sa.Text(), nullable=True),
        sa.Column("next_step", sa.String(length=500), nullable=True),
        sa.Column("next_step_on", sa.Date(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("project_code", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("leads", schema=None) as b:
        b.create_index(b.f("ix_leads_organisation_id"), ["organisation_id"], unique=False)
        b.create_index(b.f("ix_leads_chain"), ["chain"], unique=False)
        b.create_index(b.f("ix_leads_region_code"), ["region_code"], unique=False)
        b.create_index(b.f("ix_leads_park_id"), ["park_id"], unique=False)
        b.create_index(b.f("ix_leads_officer"), ["officer"], unique=False)
        b.create_index(b.f("ix_leads_project_id"), ["project_id"], unique=False)
        b.create_index("ix_leads_chain_segment", ["chain", "segment", "status"], unique=False)
        b.create_index("ix_leads_next_step", ["status", "next_step_on"], unique=False)
    op.create_table(
        "lead_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by", sa.String(length=100), nullable=True),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lead_steps", schema=None) as b:
        b.create_index(b.f("ix_lead_steps_lead_id"), ["lead_id"], unique=False)
    op.create_table(
        "lead_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=True),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lead_history", schema=None) as b:
        b.create_index(b.f("ix_lead_history_lead_id"), ["lead_id"], unique=False)
    op.create_table(
        "lead_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=True),
        sa.Column("uploaded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lead_attachments", schema=None) as b:
        b.create_index(b.f("ix_lead_attachments_lead_id"), ["lead_id"], unique=False)
    with op.batch_alter_table("projects", schema=None) as b:
        b.add_column(sa.Column("lead_id", sa.Integer(), nullable=True))
        b.create_index(b.f("ix_projects_lead_id"), ["lead_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as b:
        b.drop_index(b.f("ix_projects_lead_id"))
        b.drop_column("lead_id")
    for table in ("lead_attachments", "lead_history", "lead_steps"):
        op.drop_table(table)
    op.drop_table("leads")
