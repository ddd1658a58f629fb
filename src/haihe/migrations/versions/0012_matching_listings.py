"""matching: listings and their chain segments, stored recommendations, feedback,
expressions of interest and notifications; projects.match_interest_id

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=True),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=True),
        sa.Column("maturity", sa.Integer(), nullable=True),
        sa.Column("ip", sa.Text(), nullable=True),
        sa.Column("keywords", sa.String(length=500), nullable=True),
        sa.Column("amount_yuan", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("capacity", sa.String(length=300), nullable=True),
        sa.Column("region_preference", sa.String(length=200), nullable=True),
        sa.Column("park_preference", sa.String(length=200), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("search_terms", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index("ix_listings_kind", ["direction", "kind", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_listings_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "match_changes",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("doc_kind", sa.String(length=16), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "match_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("partner_kind", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("useful", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("by", sa.String(length=100), nullable=True),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "subject_kind",
            "subject_id",
            "partner_kind",
            "partner_id",
            "by_user_id",
            name="uq_match_feedback_once",
        ),
    )
    op.create_table(
        "match_interests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_organisation_id", sa.Integer(), nullable=False),
        sa.Column("from_listing_id", sa.Integer(), nullable=True),
        sa.Column("to_organisation_id", sa.Integer(), nullable=False),
        sa.Column("to_listing_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("became_kind", sa.String(length=16), nullable=True),
        sa.Column("became_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("match_interests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_interests_from_organisation_id"),
            ["from_organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_match_interests_to_organisation_id"),
            ["to_organisation_id"],
            unique=False,
        )

    op.create_table(
        "match_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("partner_kind", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("partner_organisation_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("parts", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("match_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_results_partner_organisation_id"),
            ["partner_organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_match_results_subject", ["subject_kind", "subject_id", "rank"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_inbox", ["organisation_id", "read_at"], unique=False
        )

    op.create_table(
        "listing_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.Column("segment", sa.String(length=64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["listing_id"], ["listings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("listing_id", "chain", "segment", name="uq_listing_segment"),
    )
    with op.batch_alter_table("listing_segments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listing_segments_listing_id"), ["listing_id"], unique=False
        )
        batch_op.create_index("ix_listing_segments_segment", ["chain", "segment"], unique=False)

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_interest_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_projects_match_interest_id"), ["match_interest_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_match_interest_id"))
        batch_op.drop_column("match_interest_id")

    with op.batch_alter_table("listing_segments", schema=None) as batch_op:
        batch_op.drop_index("ix_listing_segments_segment")
        batch_op.drop_index(batch_op.f("ix_listing_segments_listing_id"))

    op.drop_table("listing_segments")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_inbox")

    op.drop_table("notifications")
    with op.batch_alter_table("match_results", schema=None) as batch_op:
        batch_op.drop_index("ix_match_results_subject")
        batch_op.drop_index(batch_op.f("ix_match_results_partner_organisation_id"))

    op.drop_table("match_results")
    with op.batch_alter_table("match_interests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_interests_to_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_match_interests_from_organisation_id"))

    op.drop_table("match_interests")
    op.drop_table("match_feedback")
    op.drop_table("match_changes")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listings_organisation_id"))
        batch_op.drop_index("ix_listings_kind")

    op.drop_table("listings")
